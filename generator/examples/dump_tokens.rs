fn main() {
    let path = std::env::args().nth(1).expect("spec path");
    let api = generator::load(std::path::Path::new(&path)).unwrap();
    match generator::emit::api_module(&api, "x", "x") {
        Ok(_) => println!("ok"),
        Err(e) => println!("{e}"),
    }
}
