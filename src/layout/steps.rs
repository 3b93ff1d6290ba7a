//! A count of the steps layout takes in the loops whose length is not fixed per character:
//! cells of the balanced breaking's programmes, pieces walked to fill a line, look-ups in lists
//! that grow with the text. Tests count them to show that layout's work grows linearly with the
//! length of a text (a count is repeatable where a time is not); outside tests it is nothing.

#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` steps.
#[inline(always)]
pub(super) fn step(n: usize) {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + n as u64));
    #[cfg(not(test))]
    let _ = n;
}

/// The steps counted on this thread since the last call; the count starts again from zero.
#[cfg(test)]
pub(super) fn take() -> u64 {
    STEPS.with(|s| s.replace(0))
}
