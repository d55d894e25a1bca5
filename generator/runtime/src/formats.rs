// TEMPORARY until the real module lands.
#[derive(Debug)]
pub struct FormatError {
    pub format: String,
    pub reason: String,
}
pub fn check_format(_format: &str, _value: &str) -> Result<(), FormatError> {
    Ok(())
}
pub fn is_known_format(_f: &str) -> bool {
    true
}
