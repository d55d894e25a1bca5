// TEMPORARY until the real module lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}
pub fn locate(_source: &str, _pointer: &str) -> Option<Position> {
    None
}
