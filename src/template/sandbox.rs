//! Bounds on one rendering of a template (docs/limits.md「数据文件与模板」): the markup it writes
//! ([`MARKUP_BYTES`]), the numbers `range()` makes ([`TEMPLATE_RANGE_ITEMS`], all calls
//! together, which bounds its loops), and what `replace` may build (the markup limit, checked
//! before the result is built).
//!
//! They stop a mistaken or careless template (`--template`) from filling memory or running for
//! ever. A template is code chosen by whoever runs nianbao, so this is not a wall against a
//! determined author (tera can still join and concatenate strings in a loop); data files run
//! no template code at all (narrative placeholders are filled in by `narrative`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, Write};

use tera::{Kwargs, State, StringInput, TeraResult, Value};

use crate::limits::{MARKUP_BYTES, TEMPLATE_RANGE_ITEMS};

/// A limit one rendering went past, for [`crate::limits::exceeded`].
#[derive(Debug, Clone, PartialEq)]
pub struct Exceeded {
    pub zh: &'static str,
    pub key: &'static str,
    pub limit: String,
    pub actual: String,
}

pub enum Failure {
    /// A limit, and tera's error when it knows where in the template (not for the markup size).
    Limit(Exceeded, Option<Box<tera::Error>>),
    Tera(Box<tera::Error>),
}

/// What the rendering on this thread has used so far; `None` outside [`render`].
struct Run {
    range_left: usize,
    exceeded: Option<Exceeded>,
}

thread_local! {
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
}

/// Replaces tera's `range` and `replace` with bounded ones.
pub fn register(tera: &mut tera::Tera) {
    tera.register_function("range", range);
    tera.register_filter("replace", replace);
}

/// Renders `name` with `context`, within the limits.
pub fn render(tera: &tera::Tera, name: &str, context: &tera::Context) -> Result<String, Failure> {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            RUN.with(|r| r.borrow_mut().take());
        }
    }
    RUN.with(|r| {
        *r.borrow_mut() = Some(Run {
            range_left: TEMPLATE_RANGE_ITEMS,
            exceeded: None,
        })
    });
    let _reset = Reset;
    let mut out = Capped {
        bytes: Vec::new(),
        over: false,
    };
    let result = tera.render_to(name, context, &mut out);
    let exceeded = RUN.with(|r| r.borrow_mut().as_mut().and_then(|run| run.exceeded.take()));
    if out.over {
        return Err(Failure::Limit(markup_exceeded(), None));
    }
    match (result, exceeded) {
        (Err(e), Some(limit)) => Err(Failure::Limit(limit, Some(Box::new(e)))),
        (Err(e), None) => Err(Failure::Tera(Box::new(e))),
        (Ok(()), _) => Ok(String::from_utf8(out.bytes).expect("tera writes UTF-8")),
    }
}

fn markup_exceeded() -> Exceeded {
    Exceeded {
        zh: "模板输出的大小",
        key: "markup_bytes",
        limit: crate::limits::show_bytes(MARKUP_BYTES as u64),
        actual: "写出了更多".into(),
    }
}

/// Records a limit for [`render`] and makes the error that stops tera.
fn stop(limit: Exceeded) -> tera::Error {
    let message = crate::limits::exceeded(limit.zh, limit.key, &limit.limit, &limit.actual);
    RUN.with(|r| {
        if let Some(run) = r.borrow_mut().as_mut() {
            run.exceeded.get_or_insert(limit);
        }
    });
    tera::Error::message(message)
}

/// Output that refuses to grow past [`MARKUP_BYTES`].
struct Capped {
    bytes: Vec<u8>,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MARKUP_BYTES {
            self.over = true;
            return Err(io::Error::other("markup_bytes"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// tera's `range(start=0, end, step_by=1)`, counted against [`TEMPLATE_RANGE_ITEMS`] before the
/// numbers are made.
fn range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i128>> {
    let start = kwargs.get::<i128>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i128>("end")?;
    let step = kwargs.get::<i128>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message(
            "Function `range` was called with a `step_by` argument of 0",
        ));
    }
    if start > end && step > 0 {
        return Err(tera::Error::message(
            "Function `range` was called with a `start` argument greater than the `end` one",
        ));
    }
    // How many numbers, saturating: anything near i128's range is over the limit anyway.
    let span = if step > 0 {
        end.saturating_sub(start)
    } else {
        start.saturating_sub(end)
    };
    let stride = step.saturating_abs();
    let len = if span <= 0 {
        0
    } else {
        span.saturating_add(stride - 1) / stride
    };
    let left = RUN.with(|r| {
        r.borrow()
            .as_ref()
            .map_or(TEMPLATE_RANGE_ITEMS, |run| run.range_left)
    });
    if len > left as i128 {
        let used = TEMPLATE_RANGE_ITEMS - left;
        let actual = if used == 0 {
            format!("这一次要 {len} 个")
        } else {
            format!("已用 {used} 个，这一次还要 {len} 个")
        };
        return Err(stop(Exceeded {
            zh: "模板中 range() 的数字个数",
            key: "template_range_items",
            limit: format!("{TEMPLATE_RANGE_ITEMS} 个"),
            actual,
        }));
    }
    let len = len as usize;
    RUN.with(|r| {
        if let Some(run) = r.borrow_mut().as_mut() {
            run.range_left -= len;
        }
    });
    Ok((0..len as i128).map(|i| start + i * step).collect())
}

/// tera's `replace(from, to)`, refusing a result larger than [`MARKUP_BYTES`] before making it.
fn replace(value: StringInput, kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let from = kwargs.must_get::<&str>("from")?;
    let to = kwargs.must_get::<StringInput>("to")?;
    // As tera does: a safe string on either side escapes the other, and the result is safe.
    let safe = state.autoescaping_enabled() && (value.is_safe() || to.is_safe());
    let (text, with): (Cow<str>, Cow<str>) = if safe {
        (value.rendered(state)?, to.rendered(state)?)
    } else {
        (value.as_str().into(), to.as_str().into())
    };
    let matches = if from.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(from).count()
    };
    // Each match of a non-empty `from` is within the text; an empty one inserts.
    let size =
        (text.len() - matches * from.len()).saturating_add(matches.saturating_mul(with.len()));
    if size > MARKUP_BYTES {
        return Err(stop(Exceeded {
            actual: format!("replace 会得到 {}", crate::limits::show_bytes(size as u64)),
            ..markup_exceeded()
        }));
    }
    let out = text.replace(from, &with);
    Ok(if safe {
        Value::safe_string(&out)
    } else {
        Value::from(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera(source: &str) -> tera::Tera {
        let mut tera = tera::Tera::new();
        register(&mut tera);
        tera.add_raw_template("t", source).unwrap();
        tera
    }

    fn limit(source: &str) -> Exceeded {
        match render(&tera(source), "t", &tera::Context::new()) {
            Err(Failure::Limit(e, _)) => e,
            Err(Failure::Tera(e)) => panic!("{source}: not a limit: {e}"),
            Ok(s) => panic!("{source}: rendered {} bytes", s.len()),
        }
    }

    #[test]
    fn range_and_replace_behave_as_teras() {
        let t = tera(
            "{{ range(end=5) | join(sep=',') }};{{ range(start=5, end=0, step_by=-2) | join(sep=',') }};\
             {{ range(start=3, end=3) | length }};{{ 'a-b-c' | replace(from='-', to='+') }};\
             {{ 'ab' | replace(from='', to='.') }}",
        );
        let out = render(&t, "t", &tera::Context::new()).ok().unwrap();
        assert_eq!(out, "0,1,2,3,4;5,3,1;0;a+b+c;.a.b.");
    }

    #[test]
    fn loops_are_bounded_by_range_items_in_all() {
        // Nested loops: 1,001 calls, a million iterations; stopped at the 101st call (the outer
        // 1,000 and 99 inner loops used the 100,000).
        let e = limit(
            "{% for i in range(end=1000) %}{% for j in range(end=1000) %}x{% endfor %}{% endfor %}",
        );
        assert_eq!(e.key, "template_range_items");
        assert_eq!(e.actual, "已用 100000 个，这一次还要 1000 个");
        let e = limit("{{ range(start=-9223372036854775807, end=9223372036854775807) | length }}");
        assert_eq!(e.actual, "这一次要 18446744073709551614 个");
        // The budget is per rendering.
        let t = tera("{{ range(end=60000) | length }}");
        for _ in 0..3 {
            assert!(render(&t, "t", &tera::Context::new()).is_ok());
        }
    }

    #[test]
    fn output_and_replace_are_bounded_by_markup_bytes() {
        let e = limit(
            "{% for i in range(end=100000) %}{{ '0123456789' ~ i }}-----------------------------------{% endfor %}",
        );
        assert_eq!(
            e,
            Exceeded {
                zh: "模板输出的大小",
                key: "markup_bytes",
                limit: "4 MB".into(),
                actual: "写出了更多".into()
            }
        );
        // The reproducer, in a template: refused before 4.8 GB is built.
        let e = limit(
            "{% set s = range(end=50000) | join(sep=',') %}{{ s | replace(from=',', to=s) }}",
        );
        assert_eq!(e.key, "markup_bytes");
        assert_eq!(e.actual, "replace 会得到 13775 MB");
    }
}
