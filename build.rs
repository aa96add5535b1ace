fn main() {
    // Element debug info lets tests find elements by accessible label (Slint's testing
    // backend); release builds leave it out. Fonts and images are embedded in the binary so
    // the kiosk never depends on the source tree or host fonts.
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_debug_info(debug)
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI failed to compile");
}
