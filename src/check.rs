//! One report checked as `nianbao check` checks it: the one implementation of every rule, for
//! the command line and the filing server alike.

use crate::diag::{Diagnostic, Stage};
use crate::model::{self, Loaded, Report, SourceMap, accept};
use crate::seal::{self, Refusal};
use crate::template::Template;

/// What a report is checked against beside its own data.
pub struct Against<'a> {
    /// Narrative placeholders are checked as this template would render them.
    pub template: &'a Template,
    /// Last year's report of the same organ, and its name for messages: the cross-year rules
    /// are judged only with it.
    pub previous: Option<(&'a str, &'a Report)>,
    /// Reads the seal a report names, by its path as written (`seal::read` within the data
    /// file's directory on the command line; the server refuses every seal).
    pub seal: &'a dyn Fn(&str) -> Result<Vec<u8>, Refusal>,
}

/// Adds to `loaded.diagnostics` what a report is checked for beyond loading: last year's
/// figures, the narrative's placeholders, the seal; then applies the report's own
/// `[[check.accept]]` and sorts the diagnostics by place.
pub fn report(loaded: &mut Loaded, against: &Against) {
    if let (Some((prev_name, prev_report)), Some(report)) = (against.previous, &loaded.report) {
        let found = model::compare_with_previous(report, &loaded.source, prev_report, prev_name);
        loaded.diagnostics.extend(found);
    }
    if let Some(report) = &loaded.report
        && !loaded.has_errors()
    {
        loaded
            .diagnostics
            .extend(against.template.check_narrative(report, &loaded.source));
    }
    // The seal (whatever else is wrong), read and accepted exactly as rendering would.
    if let Some(report) = &loaded.report {
        loaded
            .diagnostics
            .extend(seal_findings(report, &loaded.source, against.seal));
    }
    if let Some(report) = &loaded.report {
        let judged: &[Stage] = match against.previous {
            Some(_) => &[Stage::Data, Stage::Previous],
            None => &[Stage::Data],
        };
        accept::apply(
            &mut loaded.diagnostics,
            &report.acceptances,
            &loaded.source,
            judged,
        );
    }
    model::sort(&mut loaded.diagnostics);
}

/// What is said of a report's seal: refused as rendering would refuse it, or the warning
/// rendering would give.
fn seal_findings(
    report: &Report,
    source: &SourceMap,
    read: &dyn Fn(&str) -> Result<Vec<u8>, Refusal>,
) -> Vec<Diagnostic> {
    let Some(path) = report.signature.as_ref().and_then(|s| s.seal.as_deref()) else {
        return Vec::new();
    };
    match read(path).and_then(|bytes| seal::accept(path, &bytes).map(|_| bytes)) {
        Err(refusal) => vec![refusal.diagnostic(source)],
        Ok(bytes) => {
            let image = crate::document::Image {
                path: path.to_string(),
                data: Some(std::sync::Arc::new(bytes)),
            };
            if image.has_alpha() {
                Vec::new()
            } else {
                vec![seal::opaque_warning(path).at(source.location(seal::KEY))]
            }
        }
    }
}
