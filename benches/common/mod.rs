//! What the benches share (a module, not a bench: Cargo finds benches only at the top of
//! benches/).

/// The machine the figures were measured on, as the tables' first line says it.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let kb: f64 = t.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GB RAM", kb / 1_048_576.0))
        })
        .unwrap_or_default();
    format!("Machine: {cpu}, {cores} cores, {memory}")
}
