//! Renders any screen to a PNG without a display, with Slint's software renderer: for the
//! docs, for reviewing layouts at every panel size, and for tests that read the pixels.

use std::path::Path;
use std::rc::Rc;

use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{PhysicalSize, Rgb8Pixel, SharedPixelBuffer};

use crate::config::{Language, LoadedConfig};
use crate::input::handwriting::{HandwritingEngine, HandwritingSettings};
use crate::input::pinyin::{PinyinEngine, PinyinSettings};
use crate::screens::app::{AppOptions, KioskApp};
use crate::screens::staging::Screen;

/// What to render.
#[derive(Debug, Clone, Copy)]
pub struct ScreenshotRequest {
    /// Which screen.
    pub screen: Screen,
    /// In which language.
    pub language: Language,
    /// Elder mode on or off.
    pub elder: bool,
    /// Seated (低位) mode on or off.
    pub seated: bool,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// Why a screenshot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScreenshotError {
    /// Slint could not set up the headless platform or the window.
    #[error("cannot render: {0}")]
    Platform(String),
    /// The PNG could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The output file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
}

/// Renders one screen to RGB pixels. Installs a headless platform, so call it at most once
/// per process and before any other window exists.
pub fn render(
    config: LoadedConfig,
    request: ScreenshotRequest,
) -> Result<SharedPixelBuffer<Rgb8Pixel>, ScreenshotError> {
    let (width, height) = request.size;
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(HeadlessPlatform { window: window.clone() }))
        .map_err(|e| ScreenshotError::Platform(e.to_string()))?;
    window.set_size(PhysicalSize::new(width, height));
    // The keyboard's screens need the pinyin engine, deployed into a scratch directory
    // (not the kiosk's data directory: a screenshot may run as another user).
    let scratch = std::env::temp_dir().join(format!("hall-kiosk-screenshot-{}", std::process::id()));
    let pinyin = request.screen.needs_pinyin().then(|| {
        let settings = PinyinSettings { user_dir: scratch.clone(), ..PinyinSettings::from_config(&config) };
        PinyinEngine::start(settings)
    });
    let handwriting = request
        .screen
        .needs_handwriting()
        .then(|| HandwritingEngine::start(HandwritingSettings::from_config(&config)));
    let app = KioskApp::new(config, AppOptions { pinyin, handwriting, ..AppOptions::default() })
        .map_err(|e| ScreenshotError::Platform(e.to_string()))?;
    app.set_seated(request.seated);
    app.stage(request.screen, request.language, request.elder);
    slint::ComponentHandle::show(app.window()).map_err(|e| ScreenshotError::Platform(e.to_string()))?;
    slint::platform::update_timers_and_animations();
    // The scratch data goes only once the engine has finished with it.
    if let Some(engine) = pinyin {
        engine.wait_until_started(std::time::Duration::from_secs(60));
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(width, height);
    // A few frames: the focused field reports where it ends, then the page rises to show it.
    for _ in 0..3 {
        window.request_redraw();
        window.draw_if_needed(|renderer| {
            renderer.render(buffer.make_mut_slice(), width as usize);
        });
        slint::platform::update_timers_and_animations();
    }
    Ok(buffer)
}

/// Encodes RGB pixels as a PNG file.
pub fn write_png(buffer: &SharedPixelBuffer<Rgb8Pixel>, path: &Path) -> Result<(), ScreenshotError> {
    let write_err = |source| ScreenshotError::Write { path: path.display().to_string(), source };
    let file = std::fs::File::create(path).map_err(write_err)?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), buffer.width(), buffer.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let to_io = |e: png::EncodingError| std::io::Error::other(e.to_string());
    let mut writer = encoder.write_header().map_err(to_io).map_err(write_err)?;
    writer.write_image_data(buffer.as_bytes()).map_err(to_io).map_err(write_err)?;
    writer.finish().map_err(to_io).map_err(write_err)?;
    Ok(())
}
