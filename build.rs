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
    embed_sounds();
}

/// Writes `$OUT_DIR/sounds.rs`: a table of every shipped clip (`ui/sounds/**.ogg`), so the
/// binary carries its own prompts.
fn embed_sounds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/sounds");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut clips = Vec::new();
    for dir in ["", "zh", "en"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "ogg") {
                let stem = path.file_stem().unwrap().to_string_lossy().to_string();
                let name = if dir.is_empty() { stem } else { format!("{dir}/{stem}") };
                clips.push((name, path));
            }
        }
    }
    clips.sort();
    let mut out = String::from(
        "/// Shipped clips: (\"zh/home\", bytes), ...\npub static CLIPS: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in clips {
        out.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("sounds.rs");
    std::fs::write(dest, out).unwrap();
}
