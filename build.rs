fn main() {
    // Element debug info lets tests find elements by accessible label (Slint's testing
    // backend); release builds leave it out.
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new().with_debug_info(debug);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI failed to compile");
}
