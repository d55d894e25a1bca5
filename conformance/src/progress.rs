//! The binary's progress bar, drawn on stderr from the library's [`conformance::Event`]s,
//! and only when stderr is a terminal (never in CI logs or when piped). The library itself
//! prints nothing.

use std::io::IsTerminal;

use std::sync::Arc;

use conformance::{Event, Listener};

/// The binary's listener: warnings on stderr as they come, always; and a bar when stderr is
/// a terminal (and the binary was built with the `progress` feature).
pub fn listener() -> Listener {
    let bar = if std::io::stderr().is_terminal() { draw() } else { None };
    Arc::new(move |event: &Event| {
        if let Event::Warning(warning) = event {
            eprintln!("warning: {warning}");
        }
        if let Some(bar) = &bar {
            bar(event);
        }
    })
}

#[cfg(feature = "progress")]
fn draw() -> Option<Listener> {
    use conformance::report::Status;
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::sync::Mutex;
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    let failed = std::sync::atomic::AtomicUsize::new(0);
    Some(Arc::new(move |event: &Event| {
        let Ok(mut bar) = bar.lock() else { return };
        match event {
            Event::Started { suite, total } => {
                let b = ProgressBar::with_draw_target(
                    Some(u64::try_from(*total).unwrap_or(u64::MAX)),
                    ProgressDrawTarget::stderr(),
                );
                if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} cases {msg}") {
                    b.set_style(style.progress_chars("#>-"));
                }
                b.set_prefix(suite.clone());
                *bar = Some(b);
            }
            Event::CaseFinished { status, .. } => {
                if let Some(b) = bar.as_ref() {
                    if matches!(status, Status::Failed | Status::Error) {
                        let n = failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        b.set_message(format!("({n} failed)"));
                    }
                    b.inc(1);
                }
            }
            Event::Stopping { failures } => {
                if let Some(b) = bar.as_ref() {
                    b.set_message(format!("({failures} failed: stopping, --max-failures)"));
                }
            }
            Event::CleaningUp => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
            Event::Warning(_) => {}
        }
    }))
}

#[cfg(not(feature = "progress"))]
fn draw() -> Option<Listener> {
    None
}
