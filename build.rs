//! Compiles `ui/app.slint` into Rust, bundles the translations from `lang/`, and embeds
//! the font so the binary is self-contained.

fn main() {
    // Element queries in the headless UI tests need the compiler's debug info; release
    // builds leave it out.
    let debug_build = std::env::var("PROFILE").as_deref() != Ok("release");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .embed_resources(slint_build::EmbedResourcesKind::EmbedFiles)
        .with_debug_info(debug_build);
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint must compile");
    println!("cargo:rerun-if-changed=lang");
}
