//! Third-party parsers fed untrusted bytes (symphonia, the Opus decoder, the JSON-LD
//! processor) run inside `contained`: their panic becomes an error for the caller, and its
//! message goes to the log as a warning instead of to stderr as a crash report, which it is not.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};
use std::sync::Once;

thread_local! {
    /// What the innermost `contained` call on this thread runs, if any.
    static RUNNING: Cell<Option<&'static str>> = const { Cell::new(None) };
}

static HOOK: Once = Once::new();

/// Runs `work`; a panic inside it is logged and returned as `None`. `what` names the work in
/// the log ("the audio decoder").
pub fn contained<R>(what: &'static str, work: impl FnOnce() -> R) -> Option<R> {
    HOOK.call_once(install_hook);
    let outer = RUNNING.replace(Some(what));
    let result = catch_unwind(AssertUnwindSafe(work));
    RUNNING.set(outer);
    result.ok()
}

/// Chains in front of the hook in place (std's report, or a test harness's): panics outside
/// `contained` reach it unchanged.
fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        if let Some(what) = RUNNING.get() {
            tracing::warn!("{what} panicked, and its input is refused: {info}");
        } else {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_the_thread_goes_on() {
        assert_eq!(contained("adding", || 2 + 2), Some(4));
        let failed = contained("a parser", || -> u8 { panic!("bad bytes") });
        assert_eq!(failed, None);
        // Nested calls restore what runs: after both return, nothing is contained.
        let nested = contained("outer", || {
            let inner = contained("inner", || panic!("inner"));
            (inner, RUNNING.get())
        });
        assert_eq!(nested, Some((None, Some("outer"))));
        assert_eq!(RUNNING.get(), None);
    }
}
