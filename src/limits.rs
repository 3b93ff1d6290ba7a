//! Every limit on what nianbao reads, in one place (documented in `docs/limits.md`). Each reader
//! checks its limits before it allocates, and exceeding one is an error of rule `limit` that
//! names the limit and its value.
