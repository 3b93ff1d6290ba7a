//! The filing server's database (issue 17): real SQLite files in temporary directories, several
//! threads where the server will have them, and `nianbao admin` through the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use nianbao::store::{
    Action, Actor, Counts, Need, OrganId, ReportStatus, Role, SESSION_LIFETIME, Store, StoreError,
    User, authorize,
};

use common::{nianbao, nianbao_with_input, repo};

const PASSWORD: &str = "correct horse battery";

/// A store on a fresh file with a clock the test moves, two organs, an admin and a clerk of
/// each organ.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    clock: Arc<AtomicI64>,
    admin: User,
    /// The clerk of organ `a`.
    clerk: User,
    /// The clerk of organ `b`.
    other: User,
    a: OrganId,
    b: OrganId,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nianbao.db");
        let clock = Arc::new(AtomicI64::new(1_735_689_600)); // 2025-01-01
        let store = open(&path, &clock);
        let a = store
            .add_organ(Actor::Console, "甲镇人民政府", None)
            .unwrap();
        let b = store
            .add_organ(Actor::Console, "乙乡人民政府", None)
            .unwrap();
        let user = |login: &str, role: Role, organ: Option<OrganId>| {
            let id = (store.add_user(Actor::Console, login, role, organ, PASSWORD)).unwrap();
            store.user(id).unwrap().unwrap()
        };
        let admin = user("admin", Role::Admin, None);
        let clerk = user("jia", Role::Clerk, Some(a));
        let other = user("yi", Role::Clerk, Some(b));
        Fixture {
            _dir: dir,
            path,
            store,
            clock,
            admin,
            clerk,
            other,
            a,
            b,
        }
    }

    fn advance(&self, seconds: i64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }
}

fn open(path: &Path, clock: &Arc<AtomicI64>) -> Store {
    let clock = Arc::clone(clock);
    Store::open_with_clock(path, Arc::new(move || clock.load(Ordering::SeqCst))).unwrap()
}

/// Report data as the server will store it: the data file as JSON, marked so that each
/// revision's data can be told apart.
fn data(mark: &str) -> String {
    format!("{{\"organ\": \"甲镇人民政府\", \"year\": 2024, \"text\": {{\"other\": \"{mark}\"}}}}")
}

const CLEAN: Counts = Counts {
    errors: 0,
    warnings: 0,
};

/// A read-only look at a database file, as a person with the sqlite3 shell would take it.
fn sql(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

#[test]
fn a_new_database_is_created_migrated_and_opened_again() {
    let f = Fixture::new();
    let look = sql(&f.path);
    let pragma = |name: &str| -> i64 { look.pragma_query_value(None, name, |r| r.get(0)).unwrap() };
    assert_eq!(
        pragma("user_version"),
        3,
        "three steps: the tables, the review workflow, the desk's deadlines"
    );
    assert_eq!(pragma("application_id"), 0x6e62_6462);
    let mode: String = look
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&f.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "password hashes are not for everyone");
    }
    drop(look);
    // Closed and opened again: nothing to migrate, everything there.
    let Fixture {
        _dir,
        path,
        store,
        clock,
        ..
    } = f;
    drop(store);
    let again = open(&path, &clock);
    let names: Vec<String> = again
        .organs()
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["乙乡人民政府", "甲镇人民政府"]);
    assert_eq!(
        again.organ_by_name(" 甲镇人民政府 ").unwrap().unwrap().id,
        OrganId(1)
    );
}

#[test]
fn what_is_not_a_nianbao_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "这不是数据库，而是一段足够长的文字，长到 SQLite 会读它的文件头。".repeat(8),
    )
    .unwrap();
    let before = std::fs::read(&text).unwrap();
    let e = Store::open(&text).err().unwrap();
    assert_eq!(e.key(), "not-a-nianbao-database", "{e}");
    assert_eq!(std::fs::read(&text).unwrap(), before);

    let theirs = dir.path().join("theirs.db");
    let conn = rusqlite::Connection::open(&theirs).unwrap();
    conn.execute_batch("CREATE TABLE accounts (x INTEGER);")
        .unwrap();
    drop(conn);
    let e = Store::open(&theirs).err().unwrap();
    assert_eq!(e.key(), "not-a-nianbao-database", "{e}");

    let e = Store::open(dir.path()).err().unwrap();
    assert_eq!(e.key(), "database-open", "{e}");
    let e = Store::open(&dir.path().join("no/such/dir/nianbao.db"))
        .err()
        .unwrap();
    assert_eq!(e.key(), "database-open", "{e}");
    assert!(e.to_string().contains("不存在"), "{e}");
}

#[test]
fn organs_and_accounts_are_added_once_and_checked() {
    let f = Fixture::new();
    let s = &f.store;
    let e = s
        .add_organ(Actor::Console, "甲镇人民政府", None)
        .unwrap_err();
    assert_eq!(e, StoreError::OrganExists("甲镇人民政府".into()));
    let child = s.add_organ(Actor::Console, "甲镇某村", Some(f.a)).unwrap();
    assert_eq!(
        s.organs()
            .unwrap()
            .iter()
            .find(|o| o.id == child)
            .unwrap()
            .parent,
        Some(f.a)
    );
    let e = s
        .add_organ(Actor::Console, "丙村", Some(OrganId(99)))
        .unwrap_err();
    assert_eq!(e, StoreError::NoSuchOrgan(OrganId(99)));

    let add = |login: &str, role, organ, password: &str| {
        s.add_user(Actor::Console, login, role, organ, password)
    };
    assert_eq!(
        add("JIA", Role::Clerk, Some(f.a), PASSWORD).unwrap_err(),
        StoreError::LoginExists("jia".into()),
        "logins differ by more than case"
    );
    assert_eq!(
        add("bing", Role::Clerk, None, PASSWORD).unwrap_err(),
        StoreError::ClerkWithoutOrgan
    );
    assert_eq!(
        add("bing", Role::Clerk, Some(OrganId(99)), PASSWORD).unwrap_err(),
        StoreError::NoSuchOrgan(OrganId(99))
    );
    assert_eq!(
        add("bing", Role::Clerk, Some(f.a), "").unwrap_err(),
        StoreError::PasswordMissing
    );
    assert_eq!(
        add("bing", Role::Clerk, Some(f.a), "1234567").unwrap_err(),
        StoreError::PasswordTooShort { chars: 7 }
    );
    assert_eq!(
        add("bing bing", Role::Clerk, Some(f.a), PASSWORD)
            .unwrap_err()
            .key(),
        "bad-name",
        "a name that is not one word"
    );
    let bing = add("bing", Role::Clerk, Some(f.a), PASSWORD).unwrap();
    assert_eq!(s.user(bing).unwrap().unwrap().organ, Some(f.a));

    // From the server, only an admin administers.
    let by_clerk = s
        .add_organ(Actor::User(&f.clerk), "丁镇", None)
        .unwrap_err();
    assert_eq!(by_clerk, StoreError::Forbidden);
    let by_clerk = s.add_user(Actor::User(&f.clerk), "ding", Role::Admin, None, PASSWORD);
    assert_eq!(by_clerk.unwrap_err(), StoreError::Forbidden);
    s.add_organ(Actor::User(&f.admin), "丁镇", None).unwrap();
}

#[test]
fn a_login_is_right_wrong_or_slowed_down() {
    let f = Fixture::new();
    let s = &f.store;
    assert_eq!(s.verify_login("jia", PASSWORD).unwrap(), f.clerk);
    assert_eq!(s.verify_login(" JIA ", PASSWORD).unwrap(), f.clerk);
    let wrong = |login: &str, password: &str| s.verify_login(login, password).unwrap_err();
    let refused = |wait: u64| StoreError::BadCredentials {
        wait: Duration::from_secs(wait),
    };
    // Two mistakes are free; then each wait doubles.
    assert_eq!(wrong("jia", "wrong password"), refused(0));
    assert_eq!(wrong("jia", "wrong password"), refused(0));
    assert_eq!(wrong("jia", "wrong password"), refused(1));
    // Too soon: refused without the password being looked at, the right one included.
    let soon = StoreError::TooManyFailures {
        wait: Duration::from_secs(1),
    };
    assert_eq!(wrong("jia", PASSWORD), soon);
    f.advance(1);
    assert_eq!(wrong("jia", "wrong password"), refused(2));
    f.advance(2);
    assert_eq!(wrong("jia", "still wrong"), refused(4));
    f.advance(3);
    assert_eq!(
        wrong("jia", PASSWORD),
        StoreError::TooManyFailures {
            wait: Duration::from_secs(1)
        }
    );
    f.advance(1);
    // The right password, once the wait is over, is accepted and forgives the failures.
    assert_eq!(s.verify_login("jia", PASSWORD).unwrap(), f.clerk);
    assert_eq!(wrong("jia", "wrong password"), refused(0));

    // A login no account has is refused the same way, so a refusal does not tell which.
    for expected in [0, 0, 1] {
        assert_eq!(wrong("nobody", "any password"), refused(expected));
    }
    // Other logins are not slowed by it.
    assert_eq!(s.verify_login("yi", PASSWORD).unwrap(), f.other);
    // A day later the count starts again.
    f.advance(24 * 3600);
    assert_eq!(wrong("nobody", "any password"), refused(0));
    // Refusals are errors with the clerk's wording and the English key.
    let e = refused(4);
    assert_eq!(e.key(), "wrong-password");
    assert_eq!(e.to_string(), "登录名或密码不对");
    assert_eq!(e.hint().unwrap(), "4 秒后再试");
}

#[test]
fn sessions_expire_and_end_at_logout() {
    let f = Fixture::new();
    let s = &f.store;
    let opened = s.create_session(&f.clerk).unwrap();
    assert_eq!(opened.expires, f.now() + SESSION_LIFETIME.as_secs() as i64);
    let session = s.session(&opened.token).unwrap().unwrap();
    assert_eq!(session.user, f.clerk);
    assert!(session.csrf_matches(&opened.csrf));
    assert!(!session.csrf_matches(&opened.token));
    assert_eq!(s.session("not a token").unwrap(), None);
    // The database knows the token only by its hash.
    let stored: Vec<u8> = sql(&f.path)
        .query_row("SELECT token_sha256 FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&opened.token));

    f.advance(SESSION_LIFETIME.as_secs() as i64 - 1);
    assert!(s.session(&opened.token).unwrap().is_some());
    f.advance(1);
    assert_eq!(s.session(&opened.token).unwrap(), None, "expired");
    assert_eq!(s.purge_expired().unwrap(), 1);

    let second = s.create_session(&f.clerk).unwrap();
    assert_ne!(second.token, opened.token);
    assert_ne!(second.csrf, opened.csrf);
    assert!(s.delete_session(&second.token).unwrap());
    assert!(!s.delete_session(&second.token).unwrap());
    assert_eq!(s.session(&second.token).unwrap(), None);
}

#[test]
fn a_clerk_reads_and_writes_only_their_own_organ() {
    let f = Fixture::new();
    let s = &f.store;
    for need in [Need::Read(f.a), Need::Write(f.a)] {
        assert_eq!(authorize(&f.clerk, need), Ok(()));
        assert_eq!(authorize(&f.admin, need), Ok(()));
    }
    for need in [Need::Read(f.b), Need::Write(f.b), Need::Admin] {
        assert_eq!(authorize(&f.clerk, need), Err(StoreError::Forbidden));
    }
    assert_eq!(authorize(&f.admin, Need::Admin), Ok(()));

    assert_eq!(s.save(&f.clerk, f.a, 2024, 0, &data("甲"), CLEAN), Ok(1));
    assert_eq!(s.save(&f.other, f.b, 2024, 0, &data("乙"), CLEAN), Ok(1));
    // Organ b's report exists and organ c's does not: the clerk of a is told the same.
    for organ in [f.b, OrganId(99)] {
        let forbidden = Some(StoreError::Forbidden);
        assert_eq!(s.current(&f.clerk, organ, 2024).err(), forbidden);
        assert_eq!(s.revisions(&f.clerk, organ, 2024).err(), forbidden);
        assert_eq!(s.revision(&f.clerk, organ, 2024, 1).err(), forbidden);
        let saved = s.save(&f.clerk, organ, 2024, 1, &data("x"), CLEAN);
        assert_eq!(saved.err(), forbidden);
        assert_eq!(s.restore(&f.clerk, organ, 2024, 1).err(), forbidden);
        assert_eq!(
            s.submit(&f.clerk, organ, 2024, true),
            Err(StoreError::Forbidden)
        );
    }
    assert_eq!(s.audit_log(&f.clerk, 0).unwrap_err(), StoreError::Forbidden);
    // Nothing of organ b changed.
    let b = s.current(&f.admin, f.b, 2024).unwrap().unwrap();
    assert_eq!((b.info.n, b.data), (1, data("乙")));

    let listed = |user: &User| -> Vec<(String, u16)> {
        (s.reports(user).unwrap().into_iter())
            .map(|r| (r.organ_name, r.year))
            .collect()
    };
    assert_eq!(listed(&f.clerk), [("甲镇人民政府".to_string(), 2024)]);
    assert_eq!(listed(&f.other), [("乙乡人民政府".to_string(), 2024)]);
    assert_eq!(
        listed(&f.admin),
        [
            ("乙乡人民政府".to_string(), 2024),
            ("甲镇人民政府".to_string(), 2024)
        ]
    );
}

#[test]
fn of_two_saves_on_the_same_revision_exactly_one_wins() {
    let f = Fixture::new();
    let s = &f.store;
    assert_eq!(s.save(&f.clerk, f.a, 2024, 0, &data("start"), CLEAN), Ok(1));
    for round in 1..=10u32 {
        let barrier = Barrier::new(2);
        let outcomes: Vec<(String, Result<u32, StoreError>)> = std::thread::scope(|scope| {
            let save = |who: &'static str, user: User| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mine = data(&format!("{who} {round}"));
                    barrier.wait();
                    (mine.clone(), s.save(&user, f.a, 2024, round, &mine, CLEAN))
                })
            };
            let clerk = save("clerk", f.clerk.clone());
            let admin = save("admin", f.admin.clone());
            vec![clerk.join().unwrap(), admin.join().unwrap()]
        });
        let winners: Vec<&String> = (outcomes.iter())
            .filter(|(_, r)| *r == Ok(round + 1))
            .map(|(d, _)| d)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let lost = outcomes.iter().find(|(_, r)| r.is_err()).unwrap();
        assert_eq!(
            lost.1,
            Err(StoreError::Conflict {
                current_revision: round + 1,
                current_data: Some(winners[0].clone()),
            }),
            "the loser gets the winner's data"
        );
    }
    assert_eq!(s.revisions(&f.admin, f.a, 2024).unwrap().len(), 11);
}

#[test]
fn revisions_are_listed_fetched_and_restored_and_none_is_lost() {
    let f = Fixture::new();
    let s = &f.store;
    assert_eq!(s.current(&f.clerk, f.a, 2024), Ok(None));
    assert_eq!(s.revisions(&f.clerk, f.a, 2024), Ok(vec![]));
    let counts = |errors, warnings| Counts { errors, warnings };
    assert_eq!(
        s.save(&f.clerk, f.a, 2024, 0, &data("一"), counts(3, 1)),
        Ok(1)
    );
    f.advance(60);
    assert_eq!(
        s.save(&f.admin, f.a, 2024, 1, &data("二"), counts(0, 2)),
        Ok(2)
    );
    f.advance(60);
    assert_eq!(s.save(&f.clerk, f.a, 2024, 2, &data("三"), CLEAN), Ok(3));

    let listed = s.revisions(&f.clerk, f.a, 2024).unwrap();
    let summary: Vec<(u32, Option<&str>, Counts)> = (listed.iter())
        .map(|r| (r.n, r.author.as_deref(), r.counts))
        .collect();
    assert_eq!(
        summary,
        [
            (1, Some("jia"), counts(3, 1)),
            (2, Some("admin"), counts(0, 2)),
            (3, Some("jia"), CLEAN)
        ]
    );
    assert_eq!(listed[2].saved - listed[0].saved, 120);
    assert_eq!(s.revision(&f.clerk, f.a, 2024, 1).unwrap().data, data("一"));
    assert_eq!(
        s.revision(&f.clerk, f.a, 2024, 9),
        Err(StoreError::NoSuchRevision {
            organ: f.a,
            year: 2024,
            n: 9
        })
    );

    // Restoring 1 is a fourth revision with 1's data and counts; 2 and 3 stay.
    assert_eq!(s.restore(&f.clerk, f.a, 2024, 1), Ok(4));
    let current = s.current(&f.clerk, f.a, 2024).unwrap().unwrap();
    assert_eq!(current.info.n, 4);
    assert_eq!(current.info.restored_from, Some(1));
    assert_eq!(current.info.counts, counts(3, 1));
    assert_eq!(current.data, data("一"));
    assert_eq!(s.revision(&f.clerk, f.a, 2024, 3).unwrap().data, data("三"));
    assert_eq!(
        s.restore(&f.clerk, f.a, 2023, 1),
        Err(StoreError::NoSuchReport {
            organ: f.a,
            year: 2023
        })
    );
    // The listing shows the current revision and the status (revision 4 has errors, so it
    // cannot be submitted).
    assert_eq!(
        s.submit(&f.clerk, f.a, 2024, true),
        Err(StoreError::HasErrors { errors: 3 })
    );
    let report = &s.reports(&f.clerk).unwrap()[0];
    assert_eq!(report.status, ReportStatus::Draft);
    assert_eq!(report.revision.n, 4);
    assert_eq!(report.revision.counts, counts(3, 1));

    // Stale bases are conflicts, whether the report exists or not.
    assert_eq!(
        s.save(&f.clerk, f.a, 2024, 0, &data("again"), CLEAN),
        Err(StoreError::Conflict {
            current_revision: 4,
            current_data: Some(data("一"))
        })
    );
    assert_eq!(
        s.save(&f.clerk, f.a, 2025, 3, &data("new"), CLEAN),
        Err(StoreError::Conflict {
            current_revision: 0,
            current_data: None
        })
    );
    // Data that is not JSON, or too large, is refused before anything is written.
    let e = s.save(&f.clerk, f.a, 2024, 4, "organ = \"甲镇\"", CLEAN);
    assert_eq!(e.unwrap_err().key(), "bad-data");
    let huge = format!("\"{}\"", "字".repeat(400_000));
    let e = s.save(&f.clerk, f.a, 2024, 4, &huge, CLEAN);
    assert_eq!(e.unwrap_err().key(), "data-too-large");
    // A report of an organ that does not exist.
    assert_eq!(
        s.save(&f.admin, OrganId(99), 2024, 0, &data("x"), CLEAN),
        Err(StoreError::NoSuchOrgan(OrganId(99)))
    );
    assert_eq!(s.revisions(&f.admin, f.a, 2024).unwrap().len(), 4);
}

#[test]
fn a_report_is_submitted_returned_resubmitted_approved_locked_and_reopened() {
    let f = Fixture::new();
    let s = &f.store;
    let warned = Counts {
        errors: 0,
        warnings: 2,
    };
    let wrong = Counts {
        errors: 1,
        warnings: 0,
    };
    let status = |organ| s.state(&f.admin, organ, 2024).unwrap().map(|r| r.status);
    let wrong_status = |status, wanted| Err(StoreError::WrongStatus { status, wanted });
    use ReportStatus::*;

    // No report yet (未开始): nothing to move.
    assert_eq!(status(f.a), None);
    let none = Err(StoreError::NoSuchReport {
        organ: f.a,
        year: 2024,
    });
    assert_eq!(s.submit(&f.clerk, f.a, 2024, true), none);
    assert_eq!(s.approve(&f.admin, f.a, 2024), none);
    let audit_start = s.audit_log(&f.admin, 0).unwrap().last().unwrap().id;

    // A draft with errors is not submitted; with warnings only once they are acknowledged.
    s.save(&f.clerk, f.a, 2024, 0, &data("一"), wrong).unwrap();
    assert_eq!(
        s.submit(&f.clerk, f.a, 2024, true),
        Err(StoreError::HasErrors { errors: 1 })
    );
    s.save(&f.clerk, f.a, 2024, 1, &data("二"), warned).unwrap();
    assert_eq!(
        s.submit(&f.clerk, f.a, 2024, false),
        Err(StoreError::WarningsNotAcknowledged { warnings: 2 })
    );
    assert_eq!(status(f.a), Some(Draft));
    // Only from a draft or a returned report; the admin's actions only from submitted.
    assert_eq!(
        s.approve(&f.admin, f.a, 2024),
        wrong_status(Draft, Approved)
    );
    assert_eq!(
        s.return_report(&f.admin, f.a, 2024, "表三"),
        wrong_status(Draft, Returned)
    );
    assert_eq!(s.reopen(&f.admin, f.a, 2024), wrong_status(Draft, Draft));
    // Another organ's clerk may not submit it.
    assert_eq!(
        s.submit(&f.other, f.a, 2024, true),
        Err(StoreError::Forbidden)
    );
    assert_eq!(s.submit(&f.clerk, f.a, 2024, true), Ok(()));
    assert_eq!(status(f.a), Some(Submitted));
    assert_eq!(
        s.submit(&f.clerk, f.a, 2024, true),
        wrong_status(Submitted, Submitted)
    );

    // The admin's actions are the admin's: a clerk is refused even on their own organ.
    assert_eq!(
        s.return_report(&f.clerk, f.a, 2024, "自己退回"),
        Err(StoreError::Forbidden)
    );
    assert_eq!(s.approve(&f.clerk, f.a, 2024), Err(StoreError::Forbidden));
    assert_eq!(s.reopen(&f.clerk, f.a, 2024), Err(StoreError::Forbidden));
    // A return needs a comment, which is kept with the report.
    assert_eq!(
        s.return_report(&f.admin, f.a, 2024, " \n "),
        Err(StoreError::CommentMissing)
    );
    assert_eq!(
        s.return_report(&f.admin, f.a, 2024, " 表三数字有误 "),
        Ok(())
    );
    let returned = s.state(&f.clerk, f.a, 2024).unwrap().unwrap();
    assert_eq!(returned.status, Returned);
    assert_eq!(returned.return_comment.as_deref(), Some("表三数字有误"));
    // A returned report is corrected (and stays returned) and submitted again; the comment
    // stays, and is listed.
    s.save(&f.clerk, f.a, 2024, 2, &data("三"), CLEAN).unwrap();
    assert_eq!(status(f.a), Some(Returned));
    assert_eq!(s.submit(&f.clerk, f.a, 2024, false), Ok(()));
    let listed = &s.reports(&f.clerk).unwrap()[0];
    assert_eq!(listed.status, Submitted);
    assert_eq!(listed.return_comment.as_deref(), Some("表三数字有误"));

    // A save of a submitted report withdraws it: a draft again, said in the audit row.
    s.save(&f.clerk, f.a, 2024, 3, &data("四"), CLEAN).unwrap();
    assert_eq!(status(f.a), Some(Draft));
    s.submit(&f.clerk, f.a, 2024, false).unwrap();

    // Approved: locked against saves and restores, by anyone, until an admin reopens it.
    assert_eq!(s.approve(&f.admin, f.a, 2024), Ok(()));
    assert_eq!(status(f.a), Some(Approved));
    for user in [&f.clerk, &f.admin] {
        let saved = s.save(user, f.a, 2024, 4, &data("锁"), CLEAN);
        assert_eq!(saved, Err(StoreError::Locked));
        assert_eq!(s.restore(user, f.a, 2024, 1), Err(StoreError::Locked));
    }
    assert_eq!(s.revisions(&f.admin, f.a, 2024).unwrap().len(), 4);
    assert_eq!(
        s.return_report(&f.admin, f.a, 2024, "晚了"),
        wrong_status(Approved, Returned)
    );
    assert_eq!(s.reopen(&f.admin, f.a, 2024), Ok(()));
    assert_eq!(status(f.a), Some(Draft));
    assert_eq!(s.restore(&f.clerk, f.a, 2024, 3), Ok(5));
    // Organ b was never touched.
    assert_eq!(status(f.b), None);

    // Every transition has its audit row; refusals have none.
    let rows = s.audit_log(&f.admin, audit_start).unwrap();
    let seen: Vec<(Option<&str>, Action, Option<u32>, &str)> = (rows.iter())
        .map(|e| (e.user.as_deref(), e.action, e.revision, e.detail.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some("jia"), Action::Save, Some(1), "errors=1 warnings=0"),
            (Some("jia"), Action::Save, Some(2), "errors=0 warnings=2"),
            (
                Some("jia"),
                Action::Submit,
                Some(2),
                "warnings=2 acknowledged"
            ),
            (Some("admin"), Action::Return, Some(2), "表三数字有误"),
            (Some("jia"), Action::Save, Some(3), "errors=0 warnings=0"),
            (Some("jia"), Action::Submit, Some(3), "warnings=0"),
            (
                Some("jia"),
                Action::Save,
                Some(4),
                "errors=0 warnings=0 withdrawn"
            ),
            (Some("jia"), Action::Submit, Some(4), "warnings=0"),
            (Some("admin"), Action::Approve, Some(4), ""),
            (Some("admin"), Action::Reopen, Some(4), ""),
            (Some("jia"), Action::Restore, Some(5), "from=3"),
        ]
    );
    assert!(
        rows.iter()
            .all(|e| e.organ == Some(f.a) && e.year == Some(2024))
    );
}

/// Who, what, organ, year, revision, detail.
type AuditRow<'a> = (
    Option<&'a str>,
    Action,
    Option<OrganId>,
    Option<u16>,
    Option<u32>,
    &'a str,
);

#[test]
fn every_change_has_its_audit_row_written_with_it() {
    let f = Fixture::new();
    let s = &f.store;
    let setup = s.audit_log(&f.admin, 0).unwrap();
    let actions: Vec<(Option<&str>, Action, &str)> = (setup.iter())
        .map(|e| (e.user.as_deref(), e.action, e.detail.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (None, Action::AddOrgan, "甲镇人民政府"),
            (None, Action::AddOrgan, "乙乡人民政府"),
            (None, Action::AddUser, "admin (admin)"),
            (None, Action::AddUser, "jia (clerk)"),
            (None, Action::AddUser, "yi (clerk)"),
        ]
    );
    let last = setup.last().unwrap().id;

    f.advance(10);
    let session = s.create_session(&f.clerk).unwrap();
    s.save(&f.clerk, f.a, 2024, 0, &data("一"), CLEAN).unwrap();
    s.save(
        &f.clerk,
        f.a,
        2024,
        1,
        &data("二"),
        Counts {
            errors: 2,
            warnings: 0,
        },
    )
    .unwrap();
    // Refused changes leave no row.
    s.save(&f.clerk, f.a, 2024, 1, &data("迟"), CLEAN)
        .unwrap_err();
    s.save(&f.clerk, f.b, 2024, 0, &data("越权"), CLEAN)
        .unwrap_err();
    s.restore(&f.clerk, f.a, 2024, 1).unwrap();
    s.submit(&f.admin, f.a, 2024, false).unwrap();
    s.delete_session(&session.token).unwrap();

    let rows = s.audit_log(&f.admin, last).unwrap();
    let seen: Vec<AuditRow> = (rows.iter())
        .map(|e| {
            let who = e.user.as_deref();
            (
                who,
                e.action,
                e.organ,
                e.year,
                e.revision,
                e.detail.as_str(),
            )
        })
        .collect();
    let (a, y) = (Some(f.a), Some(2024));
    assert_eq!(
        seen,
        [
            (Some("jia"), Action::Login, None, None, None, ""),
            (
                Some("jia"),
                Action::Save,
                a,
                y,
                Some(1),
                "errors=0 warnings=0"
            ),
            (
                Some("jia"),
                Action::Save,
                a,
                y,
                Some(2),
                "errors=2 warnings=0"
            ),
            (Some("jia"), Action::Restore, a, y, Some(3), "from=1"),
            (Some("admin"), Action::Submit, a, y, Some(3), "warnings=0"),
            (Some("jia"), Action::Logout, None, None, None, ""),
        ]
    );
    assert!(rows.iter().all(|e| e.at == f.now()));
}

#[test]
fn a_backup_taken_while_saves_go_on_is_whole_and_consistent() {
    let f = Fixture::new();
    let s = &f.store;
    let out = tempfile::tempdir().unwrap();
    let saves = 150u32;
    let copies: Vec<PathBuf> = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for n in 1..=saves {
                for (user, organ) in [(&f.clerk, f.a), (&f.other, f.b)] {
                    let mark = format!("{} {n}", organ.0);
                    s.save(user, organ, 2024, n - 1, &data(&mark), CLEAN)
                        .unwrap();
                }
            }
        });
        let mut copies = Vec::new();
        while !writer.is_finished() {
            let copy = out.path().join(format!("copy-{}.db", copies.len()));
            s.backup(&copy).unwrap();
            copies.push(copy);
        }
        writer.join().unwrap();
        copies
    });
    assert!(copies.len() >= 2, "backups were taken while saving");
    let mut partial = 0;
    for copy in &copies {
        let look = sql(copy);
        let check: String = look
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "{}", copy.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(copy).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a copy of the hashes is private too");
        }
        // Each report holds revisions 1..=k, every one with its data, and k is its current
        // revision: a prefix of the saves, never a save half there.
        for organ in [f.a, f.b] {
            let ns: Vec<u32> = look
                .prepare("SELECT n FROM revisions WHERE organ_id = ?1 ORDER BY n")
                .unwrap()
                .query_map([organ.0], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let k = ns.len() as u32;
            assert_eq!(ns, (1..=k).collect::<Vec<_>>());
            let current: Option<u32> = look
                .query_row(
                    "SELECT revision FROM reports WHERE organ_id = ?1",
                    [organ.0],
                    |r| r.get(0),
                )
                .ok();
            assert_eq!(current.unwrap_or(0), k);
            if k > 0 {
                let last: String = look
                    .query_row(
                        "SELECT data FROM revisions WHERE organ_id = ?1 AND n = ?2",
                        [organ.0, i64::from(k)],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(last, data(&format!("{} {k}", organ.0)));
            }
            if k < saves {
                partial += 1;
            }
        }
        drop(look);
        // The copy is a database the store opens as its own.
        let clock = Arc::clone(&f.clock);
        let reopened = open(copy, &clock);
        assert_eq!(reopened.organs().unwrap().len(), 2);
    }
    assert!(
        partial > 0,
        "some copy was taken in the middle of the saves"
    );
    // Only the copies are in the directory: no temporary file left behind.
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    names.sort();
    assert_eq!(names.len(), copies.len(), "{names:?}");

    // Never over the database or its WAL.
    for target in [
        f.path.clone(),
        PathBuf::from(format!("{}-wal", f.path.display())),
    ] {
        let e = s.backup(&target).unwrap_err();
        assert_eq!(e.key(), "backup-over-database", "{e}");
    }
    let e = s
        .backup(&out.path().join("no/such/dir/copy.db"))
        .unwrap_err();
    assert_eq!(e.key(), "backup", "{e}");
}

#[test]
fn sql_is_written_in_the_store_only() {
    let mut stack = vec![repo("src")];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.starts_with(repo("src/store"))
                && std::fs::read_to_string(&path).unwrap().contains("rusqlite")
            {
                found.push(path.display().to_string());
            }
        }
    }
    assert!(found.is_empty(), "SQL outside src/store/: {found:?}");
}

/// `nianbao admin` does what the server's operator needs: an organ's id on stdout for scripts,
/// an account whose password came through stdin (line ending and all), a backup.
#[test]
fn admin_adds_organs_and_accounts_and_backs_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = nianbao(d, &["admin", "--db", "县.db", "add-organ", "甲镇人民政府"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "1\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr, "已添加机关“甲镇人民政府”，编号 1\n");
    let run = nianbao(d, &["admin", "--db", "县.db", "add-organ", "乙乡人民政府"]);
    assert_eq!(run.stdout, "2\n");
    let args = [
        "admin",
        "--db",
        "县.db",
        "add-user",
        "jia",
        "--role",
        "clerk",
        "--organ",
        "甲镇人民政府",
        "--password-stdin",
    ];
    // Windows line ending, spaces kept.
    let run = nianbao_with_input(d, &args, " secret pass \r\nsecond line\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "已添加账号 jia（clerk，甲镇人民政府）\n");
    let run = nianbao(d, &["admin", "--db", "县.db", "backup", "备份.db"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    for db in ["县.db", "备份.db"] {
        let store = Store::open(&d.join(db)).unwrap();
        let user = store.verify_login("jia", " secret pass ").unwrap();
        assert_eq!((user.role, user.organ), (Role::Clerk, Some(OrganId(1))));
    }

    let refused = nianbao_with_input(d, &args, "another password\n");
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        "错误: 已经有登录名“jia” [duplicate-login]\n    提示：登录名不区分大小写；换一个登录名\n"
    );
}
