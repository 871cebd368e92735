//! secret-rotator against the emulator's Secrets Manager and real PostgreSQL
//! and MariaDB servers with password authentication and TLS.
//!
//! The emulator's RotateSecret cannot call a function, so these tests drive
//! the four steps exactly as Secrets Manager does: same event, same order,
//! the same version id throughout one rotation.

use std::path::PathBuf;
use std::sync::OnceLock;

use harness::emulator::Emulator;
use harness::fixtures::TopicWithQueue;
use harness::mariadb::MariaDb;
use harness::names::{random_alnum, unique};
use harness::postgres::Postgres;
use harness::proxy::{Fault, FaultProxy};
use harness::rotation::{RotatedSecret, new_token};
use harness::tls::TestCa;
use secret_rotator::password_sql::{native_hash, scram_verifier};
use secret_rotator::{Config, Deps, Error, invoke};
use serde_json::{Value, json};
use shared::Publisher;
use shared::config::{Common, DEFAULT_METRICS_NAMESPACE};
use shared::report::Report;
use sqlx::{ConnectOptions, Connection};

const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

fn postgres() -> &'static Postgres {
    Postgres::shared()
}

fn mariadb() -> &'static MariaDb {
    MariaDb::shared()
}

/// One PEM file with both test servers' CAs: what DB_CA_BUNDLE points to.
fn ca_bundle() -> PathBuf {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            let path = std::env::temp_dir().join(format!("rotator-ca-{}.pem", std::process::id()));
            let pem = [&postgres().ca_file, &mariadb().ca_file]
                .iter()
                .map(|p| std::fs::read_to_string(p).expect("ca"))
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(&path, pem).expect("bundle");
            path
        })
        .clone()
}

struct Setup {
    deps: Deps,
    secrets: aws_sdk_secretsmanager::Client,
    sink: TopicWithQueue,
}

async fn setup(prefix: &str) -> Setup {
    let sdk = Emulator::shared().sdk_config().await;
    let sink = TopicWithQueue::create(&sdk, prefix, None)
        .await
        .expect("topic");
    let common = Common {
        topic_arn: sink.topic_arn.clone(),
        environment: "test".into(),
        dry_run: false,
        metrics_namespace: DEFAULT_METRICS_NAMESPACE.into(),
    };
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let deps = Deps {
        config: Config::new(common, ca_bundle()),
        secrets: secrets.clone(),
        publisher: Publisher::new(aws_sdk_sns::Client::new(&sdk), &sink.topic_arn),
    };
    Setup {
        deps,
        secrets,
        sink,
    }
}

async fn step(
    deps: &Deps,
    secret: &RotatedSecret,
    name: &str,
    token: &str,
) -> Result<Report, Error> {
    invoke(secret.event(name, token), deps).await
}

/// All four steps, each run twice: a repeat must be harmless.
async fn rotate(deps: &Deps, secret: &RotatedSecret) -> String {
    let token = secret.start_rotation().await.expect("rotation started");
    for name in STEPS {
        step(deps, secret, name, &token)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        step(deps, secret, name, &token)
            .await
            .unwrap_or_else(|e| panic!("{name} again: {e}"));
    }
    token
}

/// A PostgreSQL login role owning a schema of its own; returns its password.
async fn pg_user(name: &str) -> String {
    let password = random_alnum(20);
    let mut admin = postgres().connect_superuser().await.expect("admin");
    run_sql(
        &mut admin,
        "setup sql",
        [
            format!(
                "CREATE ROLE {name} LOGIN PASSWORD '{}'",
                scram_verifier(&password)
            ),
            format!("CREATE SCHEMA {name} AUTHORIZATION {name}"),
        ],
    )
    .await;
    password
}

async fn pg_login(user: &str, password: &str) -> Result<sqlx::PgConnection, sqlx::Error> {
    postgres()
        .options(user, password, "postgres")
        .connect()
        .await
}

async fn my_user(name: &str) -> String {
    let password = random_alnum(20);
    let mut admin = mariadb().connect_root().await.expect("admin");
    run_sql(
        &mut admin,
        "setup sql",
        [
            format!(
                "CREATE USER '{name}'@'%' IDENTIFIED BY PASSWORD '{}'",
                native_hash(&password)
            ),
            format!("CREATE DATABASE {name}"),
            format!("GRANT ALL PRIVILEGES ON {name}.* TO '{name}'@'%'"),
        ],
    )
    .await;
    password
}

async fn my_login(user: &str, password: &str) -> Result<sqlx::MySqlConnection, sqlx::Error> {
    mariadb().options(user, password).connect().await
}

fn pg_secret(user: &str, password: &str) -> Value {
    json!({"engine": "postgres", "host": "localhost", "port": postgres().port, "username": user,
           "password": password, "dbname": "postgres"})
}

fn my_secret(user: &str, password: &str) -> Value {
    json!({"engine": "mariadb", "host": "localhost", "port": mariadb().port, "username": user,
           "password": password, "dbname": user})
}

/// A master secret holding `master`, and a secret holding `value` whose
/// `masterarn` names it: the alternating-users strategy.
async fn with_master(s: &Setup, name: &str, master: Value, mut value: Value) -> RotatedSecret {
    let master = RotatedSecret::create(&s.secrets, &format!("{name}-master"), &master.to_string())
        .await
        .expect("master");
    value["masterarn"] = json!(master.arn);
    RotatedSecret::create(&s.secrets, name, &value.to_string())
        .await
        .expect("secret")
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

/// Runs `statements` in order on an admin connection: a test's setup, or
/// the damage it does. `what` names them in a failure, never the SQL (it may
/// hold a password hash).
async fn run_sql<C>(conn: &mut C, what: &str, statements: impl IntoIterator<Item = String>)
where
    for<'c> &'c mut C: sqlx::Executor<'c>,
{
    for sql in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}

/// A rotation Secrets Manager started, with its createSecret done: its token.
async fn created(deps: &Deps, secret: &RotatedSecret) -> String {
    let token = secret.start_rotation().await.expect("rotation started");
    step(deps, secret, "createSecret", &token)
        .await
        .expect("createSecret");
    token
}

/// setSecret, testSecret and finishSecret of `token`, each of which must
/// succeed; `case` names the run in a failure.
async fn finish_rotation(deps: &Deps, secret: &RotatedSecret, token: &str, case: &str) {
    for name in ["setSecret", "testSecret", "finishSecret"] {
        step(deps, secret, name, token)
            .await
            .unwrap_or_else(|e| panic!("{case}: {name}: {e}"));
    }
}

/// A new PostgreSQL user and its alternating secret, whose master is the
/// superuser: the user, its first password, the secret.
async fn pg_alternating(s: &Setup, prefix: &str) -> (String, String, RotatedSecret) {
    // Not pg_...: PostgreSQL reserves those role names.
    let user = unique(&format!("app-{prefix}")).replace('-', "_");
    let password = pg_user(&user).await;
    let secret = with_master(
        s,
        prefix,
        pg_secret(&postgres().superuser, postgres().superuser_password()),
        pg_secret(&user, &password),
    )
    .await;
    (user, password, secret)
}

/// The same on MariaDB, whose master is root.
async fn my_alternating(s: &Setup, prefix: &str) -> (String, String, RotatedSecret) {
    let user = unique(&format!("app-{prefix}")).replace('-', "_");
    let password = my_user(&user).await;
    let secret = with_master(
        s,
        prefix,
        my_secret(&mariadb().root_user, mariadb().root_password()),
        my_secret(&user, &password),
    )
    .await;
    (user, password, secret)
}

#[tokio::test]
async fn postgres_single_user_rotation_changes_the_password_and_the_stages() {
    let s = setup("pg-single").await;
    let user = unique("app").replace('-', "_");
    let old = pg_user(&user).await;
    let secret =
        RotatedSecret::create(&s.secrets, "pg-single", &pg_secret(&user, &old).to_string())
            .await
            .expect("secret");
    let before = secret.stages().await.expect("stages");
    let first_version = before
        .iter()
        .find(|(_, st)| st.contains(&"AWSCURRENT".to_owned()))
        .map(|(v, _)| v.clone());

    let token = rotate(&s.deps, &secret).await;

    let current = secret.current().await.expect("current");
    let new = text(&current, "password");
    assert_ne!(new, old);
    assert_eq!(new.len(), 32);
    assert!(
        new.chars().all(|c| c.is_ascii_alphanumeric()),
        "no character that breaks a connection string"
    );
    assert_eq!(text(&current, "username"), user);
    pg_login(&user, &new).await.expect("the new password works");
    let refused = pg_login(&user, &old)
        .await
        .expect_err("the old password is refused");
    assert!(
        refused
            .to_string()
            .contains("password authentication failed"),
        "{refused}"
    );
    let stages = secret.stages().await.expect("stages");
    assert_eq!(stages[&token], ["AWSCURRENT"]);
    assert_eq!(
        stages[&first_version.expect("first version")],
        ["AWSPREVIOUS"]
    );
}

#[tokio::test]
async fn postgres_alternating_users_share_objects_and_come_back_after_two_rotations() {
    let s = setup("pg-alt").await;
    let (user, original_password, secret) = pg_alternating(&s, "pg-alt").await;

    rotate(&s.deps, &secret).await;
    let first = secret.current().await.expect("current");
    let clone = text(&first, "username");
    assert_eq!(clone, format!("{user}_clone"));
    let mut as_clone = pg_login(&clone, &text(&first, "password"))
        .await
        .expect("the clone logs in");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {user}.made_by_clone (id int); INSERT INTO {user}.made_by_clone VALUES (7)"
    )))
    .execute(&mut as_clone)
    .await
    .expect("the clone works in the original's schema");
    let mut as_original = pg_login(&user, &original_password)
        .await
        .expect("the original still logs in");
    let seen: i32 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {user}.made_by_clone"
    )))
    .fetch_one(&mut as_original)
    .await
    .expect("what the clone created is usable by the original");
    assert_eq!(seen, 7);

    rotate(&s.deps, &secret).await;
    let second = secret.current().await.expect("current");
    assert_eq!(
        text(&second, "username"),
        user,
        "two rotations come back to the first user"
    );
    let mut again = pg_login(&user, &text(&second, "password"))
        .await
        .expect("new password works");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {user}.made_by_clone VALUES (8)"
    )))
    .execute(&mut again)
    .await
    .expect("still usable");
    pg_login(&clone, &text(&first, "password"))
        .await
        .expect("the clone keeps working meanwhile");
    let _ = as_clone.close().await;
}

#[tokio::test]
async fn mariadb_single_and_alternating_rotations() {
    let s = setup("my").await;
    let user = unique("app").replace('-', "_");
    let old = my_user(&user).await;
    let single =
        RotatedSecret::create(&s.secrets, "my-single", &my_secret(&user, &old).to_string())
            .await
            .expect("secret");
    rotate(&s.deps, &single).await;
    let current = single.current().await.expect("current");
    my_login(&user, &text(&current, "password"))
        .await
        .expect("the new password works");
    assert!(
        my_login(&user, &old).await.is_err(),
        "the old password is refused"
    );

    let (other, _, alternating) = my_alternating(&s, "my-alt").await;
    rotate(&s.deps, &alternating).await;
    let first = alternating.current().await.expect("current");
    assert_eq!(text(&first, "username"), format!("{other}_clone"));
    let mut clone = my_login(&text(&first, "username"), &text(&first, "password"))
        .await
        .expect("clone logs in");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {other}.t (id INT)"
    )))
    .execute(&mut clone)
    .await
    .expect("the clone has the original's privileges");
    rotate(&s.deps, &alternating).await;
    let second = alternating.current().await.expect("current");
    assert_eq!(text(&second, "username"), other);
    my_login(&other, &text(&second, "password"))
        .await
        .expect("back to the first user");
}

#[tokio::test]
async fn tokens_rotate_and_the_previous_value_stays_readable() {
    let s = setup("token").await;
    let secret = RotatedSecret::create(
        &s.secrets,
        "token",
        r#"{"engine":"token","token":"first-token-value","issuer":"orders"}"#,
    )
    .await
    .expect("secret");
    rotate(&s.deps, &secret).await;
    let current = secret.current().await.expect("current");
    assert_ne!(text(&current, "token"), "first-token-value");
    assert_eq!(text(&current, "issuer"), "orders", "other keys are kept");
    assert_eq!(
        text(
            &secret.stage("AWSPREVIOUS").await.expect("previous"),
            "token"
        ),
        "first-token-value"
    );
}

#[tokio::test]
async fn a_crash_after_set_secret_then_a_fresh_rotation_ends_consistent() {
    let s = setup("crash").await;
    let user = unique("app").replace('-', "_");
    let old = pg_user(&user).await;
    let secret = RotatedSecret::create(&s.secrets, "crash", &pg_secret(&user, &old).to_string())
        .await
        .expect("secret");

    // The database took the pending password, then the function died.
    let abandoned = secret.start_rotation().await.expect("rotation started");
    step(&s.deps, &secret, "createSecret", &abandoned)
        .await
        .expect("create");
    step(&s.deps, &secret, "setSecret", &abandoned)
        .await
        .expect("set");
    assert!(
        pg_login(&user, &old).await.is_err(),
        "the database moved on"
    );

    rotate(&s.deps, &secret).await;
    let current = secret.current().await.expect("current");
    pg_login(&user, &text(&current, "password"))
        .await
        .expect("AWSCURRENT matches the database");
}

#[tokio::test]
async fn a_wrong_master_secret_fails_clearly_and_awscurrent_still_works() {
    let s = setup("badmaster").await;
    let user = unique("app").replace('-', "_");
    let password = pg_user(&user).await;
    let secret = with_master(
        &s,
        "badmaster-app",
        pg_secret(&postgres().superuser, "not-the-password"),
        pg_secret(&user, &password),
    )
    .await;

    let token = secret.start_rotation().await.expect("rotation started");
    step(&s.deps, &secret, "createSecret", &token)
        .await
        .expect("create");
    let err = step(&s.deps, &secret, "setSecret", &token)
        .await
        .expect_err("wrong master");
    let text_err = err.to_string();
    assert!(
        text_err.starts_with("setSecret: database: cannot connect as the master user"),
        "{text_err}"
    );
    assert!(
        text_err.contains("password authentication failed"),
        "{text_err}"
    );
    assert!(!text_err.contains("not-the-password"));
    let current = secret.current().await.expect("current");
    pg_login(&text(&current, "username"), &text(&current, "password"))
        .await
        .expect("AWSCURRENT still valid");
    let alert = s
        .sink
        .drain(std::time::Duration::from_secs(2))
        .await
        .expect("drain");
    assert_eq!(alert[0].attribute("severity"), Some("ERROR"));
    assert!(!alert[0].message.contains("not-the-password"));
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused() {
    let mut s = setup("tls").await;
    let user = unique("app").replace('-', "_");
    let password = pg_user(&user).await;
    let other = std::env::temp_dir().join(format!("other-ca-{}.pem", std::process::id()));
    TestCa::new("not the database's CA")
        .expect("ca")
        .write_pem(&other)
        .expect("write");
    s.deps.config.ca_bundle = other;
    let secret = RotatedSecret::create(&s.secrets, "tls", &pg_secret(&user, &password).to_string())
        .await
        .expect("secret");

    let token = secret.start_rotation().await.expect("rotation started");
    step(&s.deps, &secret, "createSecret", &token)
        .await
        .expect("create");
    let err = step(&s.deps, &secret, "setSecret", &token)
        .await
        .expect_err("untrusted server");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    pg_login(&user, &password).await.expect("nothing changed");
}

#[tokio::test]
async fn steps_for_a_version_that_is_not_pending_or_a_secret_without_rotation_are_refused() {
    let s = setup("refuse").await;
    let secret = RotatedSecret::create(&s.secrets, "refuse", r#"{"engine":"token","token":"t"}"#)
        .await
        .expect("secret");
    let err = step(&s.deps, &secret, "setSecret", &new_token())
        .await
        .expect_err("unknown version");
    assert!(
        err.to_string().contains("has no stage for rotation"),
        "{err}"
    );

    let plain = s
        .secrets
        .create_secret()
        .name(unique("norotation"))
        .secret_string(r#"{"engine":"token","token":"t"}"#)
        .send()
        .await
        .expect("secret")
        .arn
        .expect("arn");
    let event =
        json!({"Step": "createSecret", "SecretId": plain, "ClientRequestToken": new_token()});
    let err = invoke(event, &s.deps).await.expect_err("rotation off");
    assert!(err.to_string().contains("rotation is not enabled"), "{err}");
}

/// An event for a version Secrets Manager never staged (a stray or forged
/// invoke) arrives during a rotation: createSecret refuses it, and the
/// rotation in progress keeps its AWSPENDING and completes.
#[tokio::test]
async fn create_secret_refuses_a_version_secrets_manager_never_staged() {
    let s = setup("stray").await;
    let secret = RotatedSecret::create(&s.secrets, "stray", r#"{"engine":"token","token":"t0"}"#)
        .await
        .expect("secret");
    let token = created(&s.deps, &secret).await;

    let stray = new_token();
    let err = step(&s.deps, &secret, "createSecret", &stray)
        .await
        .expect_err("a version never staged is refused");
    assert!(
        err.to_string().contains("has no stage for rotation"),
        "{err}"
    );
    let stages = secret.stages().await.expect("stages");
    assert!(
        !stages.contains_key(&stray),
        "no version was made: {stages:?}"
    );
    assert!(
        stages
            .get(&token)
            .is_some_and(|s| s.iter().any(|s| s == "AWSPENDING")),
        "the rotation in progress keeps AWSPENDING: {stages:?}"
    );

    let pending = secret.stage("AWSPENDING").await.expect("pending");
    finish_rotation(&s.deps, &secret, &token, "the rotation").await;
    assert_eq!(secret.current().await.expect("current"), pending);
}

#[tokio::test]
async fn a_dry_run_rotation_says_what_it_would_do_and_changes_nothing() {
    let mut s = setup("dry").await;
    let user = unique("app").replace('-', "_");
    let password = pg_user(&user).await;
    let secret = RotatedSecret::create(&s.secrets, "dry", &pg_secret(&user, &password).to_string())
        .await
        .expect("secret");
    let token = secret.start_rotation().await.expect("rotation started");

    s.deps.config.common.dry_run = true;
    let before = secret.stages().await.expect("stages");
    let report = step(&s.deps, &secret, "createSecret", &token)
        .await
        .expect("planned");
    assert!(report.dry_run && report.done.is_empty());
    assert_eq!(report.planned.len(), 1);
    assert_eq!(
        secret.stages().await.expect("stages"),
        before,
        "no pending version was created"
    );

    // The emulator cannot record a version without a value, as Secrets
    // Manager does before createSecret: create it for real, then dry-run the rest.
    s.deps.config.common.dry_run = false;
    step(&s.deps, &secret, "createSecret", &token)
        .await
        .expect("create");
    s.deps.config.common.dry_run = true;
    let staged = secret.stages().await.expect("stages");
    for name in ["setSecret", "testSecret", "finishSecret"] {
        let report = step(&s.deps, &secret, name, &token).await.expect("planned");
        assert_eq!(report.planned.len(), 1, "{name}: {report:?}");
        assert!(report.done.is_empty());
    }
    assert_eq!(
        secret.stages().await.expect("stages"),
        staged,
        "AWSCURRENT did not move"
    );
    pg_login(&user, &password)
        .await
        .expect("the database password is unchanged");
}

/// Both servers log every statement (the harness starts them so): after full
/// rotations of each engine and strategy, no password is in either log (the
/// ones the rotator set, the users' first ones, the admin ones), while the
/// statements that set them are.
#[tokio::test]
async fn no_password_the_rotator_sets_reaches_the_database_servers_logs() {
    let s = setup("srvlog").await;
    let pg_single_user = unique("pglog").replace('-', "_");
    let pg_single_password = pg_user(&pg_single_user).await;
    let pg_alt_user = unique("pglogalt").replace('-', "_");
    let pg_alt_password = pg_user(&pg_alt_user).await;
    let my_single_user = unique("mylog").replace('-', "_");
    let my_single_password = my_user(&my_single_user).await;
    let my_alt_user = unique("myalt").replace('-', "_");
    let my_alt_password = my_user(&my_alt_user).await;
    let secrets = [
        RotatedSecret::create(
            &s.secrets,
            "srvlog-pg",
            &pg_secret(&pg_single_user, &pg_single_password).to_string(),
        )
        .await
        .expect("secret"),
        with_master(
            &s,
            "srvlog-pg-alt",
            pg_secret(&postgres().superuser, postgres().superuser_password()),
            pg_secret(&pg_alt_user, &pg_alt_password),
        )
        .await,
        RotatedSecret::create(
            &s.secrets,
            "srvlog-my",
            &my_secret(&my_single_user, &my_single_password).to_string(),
        )
        .await
        .expect("secret"),
        with_master(
            &s,
            "srvlog-my-alt",
            my_secret(&mariadb().root_user, mariadb().root_password()),
            my_secret(&my_alt_user, &my_alt_password),
        )
        .await,
    ];
    // Two rotations each: the alternating pairs then create the clone, and
    // set the password of a user that exists.
    let mut set = Vec::new();
    for secret in &secrets {
        for _ in 0..2 {
            rotate(&s.deps, secret).await;
            set.push(text(&secret.current().await.expect("current"), "password"));
        }
    }
    assert!(
        set.iter().all(|p| p.len() >= 16),
        "passwords were generated"
    );
    // The tests' own statements send hashes too, so no password at all is
    // in either log: the users' first ones and the servers' admin ones.
    set.extend([
        pg_single_password,
        pg_alt_password,
        my_single_password,
        my_alt_password,
        postgres().superuser_password().to_owned(),
        mariadb().root_password().to_owned(),
    ]);

    let pg_log = postgres().server_log();
    let my_log = mariadb().general_log();
    for (log, server, statement) in [
        (&pg_log, "PostgreSQL", "ALTER ROLE"),
        (&my_log, "MariaDB", "SET PASSWORD"),
        (&my_log, "MariaDB", "CREATE USER"),
    ] {
        assert!(
            log.contains(statement),
            "{server} logs every statement, so its log shows {statement}"
        );
    }
    // The messages never print a password: a test's output is a log too.
    for (n, password) in set.iter().enumerate() {
        assert!(
            !pg_log.contains(password.as_str()),
            "password {n} is in PostgreSQL's log"
        );
        assert!(
            !my_log.contains(password.as_str()),
            "password {n} is in MariaDB's general log"
        );
    }
}

/// A login role that acts as another by default (`SET role`, as the
/// alternating strategy's clone does): a single-user rotation changes the
/// login role's own password, never the role it acts as.
#[tokio::test]
async fn a_single_user_rotation_of_a_role_acting_as_another_changes_only_its_own_password() {
    let s = setup("pg-setrole").await;
    let owner = unique("owner").replace('-', "_");
    let owner_password = pg_user(&owner).await;
    let login = unique("acting").replace('-', "_");
    let login_password = random_alnum(20);
    let mut admin = postgres().connect_superuser().await.expect("admin");
    run_sql(
        &mut admin,
        "setup sql",
        [
            format!(
                "CREATE ROLE {login} LOGIN PASSWORD '{}' IN ROLE {owner}",
                scram_verifier(&login_password)
            ),
            format!("ALTER ROLE {login} SET role = '{owner}'"),
        ],
    )
    .await;
    let secret = RotatedSecret::create(
        &s.secrets,
        "pg-setrole",
        &pg_secret(&login, &login_password).to_string(),
    )
    .await
    .expect("secret");

    rotate(&s.deps, &secret).await;
    let current = secret.current().await.expect("current");
    pg_login(&login, &text(&current, "password"))
        .await
        .expect("the login role takes its new password");
    pg_login(&owner, &owner_password)
        .await
        .expect("the role it acts as keeps its own password");
    assert!(
        pg_login(&login, &login_password).await.is_err(),
        "the old password is refused"
    );
}

/// Someone who can put a value into a user's secret points it at a server
/// of their own: the master's login must never go there. A listener stands
/// for that server and counts who connects.
#[tokio::test]
async fn the_master_login_never_goes_to_a_server_its_own_secret_does_not_name() {
    let s = setup("pg-elsewhere").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let elsewhere = listener.local_addr().expect("address").port();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let user = unique("moved").replace('-', "_");
    let password = pg_user(&user).await;
    let mut value = pg_secret(&user, &password);
    value["host"] = json!("127.0.0.1");
    value["port"] = json!(elsewhere);
    let secret = with_master(
        &s,
        "pg-elsewhere",
        pg_secret(&postgres().superuser, postgres().superuser_password()),
        value,
    )
    .await;
    let token = created(&s.deps, &secret).await;

    let err = step(&s.deps, &secret, "setSecret", &token)
        .await
        .expect_err("setSecret is refused");
    let said = err.to_string();
    assert!(
        said.contains(&format!("127.0.0.1:{elsewhere}"))
            && said.contains(&format!("localhost:{}", postgres().port))
            && said.contains("nothing was sent"),
        "{said}"
    );
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing connects to a server the master secret does not name"
    );
    assert_eq!(
        text(&secret.current().await.expect("current"), "password"),
        password,
        "AWSCURRENT stays where it was"
    );
}

/// A database error names the user it is about: only passwords are masked.
#[tokio::test]
async fn a_database_error_names_the_user_it_is_about() {
    let s = setup("pg-nouser").await;
    let missing = unique("gone").replace('-', "_");
    let secret = with_master(
        &s,
        "pg-nouser",
        pg_secret(&postgres().superuser, postgres().superuser_password()),
        pg_secret(&missing, &random_alnum(20)),
    )
    .await;
    let token = created(&s.deps, &secret).await;
    let err = step(&s.deps, &secret, "setSecret", &token)
        .await
        .expect_err("the original role does not exist");
    let said = err.to_string();
    assert!(
        said.contains(&format!("role \"{missing}\" does not exist")),
        "{said}"
    );
}

/// The original's privileges and TLS requirement change after its clone was
/// made: the next rotation that sets the clone gives it the same again.
#[tokio::test]
async fn mariadb_clone_follows_the_original_privileges_and_tls_requirement() {
    let s = setup("my-drift").await;
    let (user, _, secret) = my_alternating(&s, "my-drift").await;
    rotate(&s.deps, &secret).await;
    let clone = format!("{user}_clone");
    assert_eq!(
        text(&secret.current().await.expect("current"), "username"),
        clone
    );

    let extra = format!("{user}_x");
    let mut admin = mariadb().connect_root().await.expect("admin");
    run_sql(
        &mut admin,
        "change the original",
        [
            format!("CREATE DATABASE {extra}"),
            format!("CREATE TABLE {extra}.t (id INT)"),
            format!("GRANT SELECT ON {extra}.* TO '{user}'@'%'"),
            format!("REVOKE ALL PRIVILEGES ON {user}.* FROM '{user}'@'%'"),
            format!("GRANT SELECT ON {user}.* TO '{user}'@'%'"),
            format!("ALTER USER '{user}'@'%' REQUIRE SSL"),
        ],
    )
    .await;
    rotate(&s.deps, &secret).await; // sets the original
    rotate(&s.deps, &secret).await; // sets the clone again
    let current = secret.current().await.expect("current");
    assert_eq!(text(&current, "username"), clone);

    let mut as_clone = my_login(&clone, &text(&current, "password"))
        .await
        .expect("the clone logs in");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SELECT * FROM {extra}.t")))
        .execute(&mut as_clone)
        .await
        .expect("the clone has the privilege given to the original");
    assert!(
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {user}.made_by_clone (id INT)"
        )))
        .execute(&mut as_clone)
        .await
        .is_err(),
        "the clone lost the privilege taken from the original"
    );
    let ssl_type: String = sqlx::query_scalar(
        "SELECT CAST(ssl_type AS CHAR) FROM mysql.user WHERE User = ? AND Host = '%'",
    )
    .bind(&clone)
    .fetch_one(&mut admin)
    .await
    .expect("ssl_type");
    assert_eq!(
        ssl_type, "ANY",
        "the clone requires TLS as the original does"
    );
}

/// The function died after the first statement that makes a PostgreSQL
/// clone (the role exists, with the pending password, but does not act as
/// the original yet). The retried setSecret finishes the clone instead of
/// taking the working login as proof that it is done.
#[tokio::test]
async fn postgres_a_clone_half_made_by_a_crash_is_completed_by_the_retried_set_secret() {
    let s = setup("pg-half").await;
    let (user, _, secret) = pg_alternating(&s, "pg-half").await;
    let token = created(&s.deps, &secret).await;
    let pending = secret.stage("AWSPENDING").await.expect("pending");
    let clone = text(&pending, "username");
    let mut admin = postgres().connect_superuser().await.expect("admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {clone} WITH LOGIN PASSWORD '{}' IN ROLE {user}",
        scram_verifier(&text(&pending, "password"))
    )))
    .execute(&mut admin)
    .await
    .expect("the statement before the crash");

    finish_rotation(&s.deps, &secret, &token, "the rotation").await;
    let mut as_clone = pg_login(&clone, &text(&pending, "password"))
        .await
        .expect("the clone logs in");
    let acting: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut as_clone)
        .await
        .expect("current_user");
    assert_eq!(acting, user, "the clone acts as the original");
}

/// The function died while granting a MariaDB clone the original's
/// privileges: the clone logs in to the original's database, but lacks the
/// grant on a second one. The retried setSecret gives it the rest.
#[tokio::test]
async fn mariadb_a_clone_half_made_by_a_crash_is_completed_by_the_retried_set_secret() {
    let s = setup("my-half").await;
    let user = unique("mhalf").replace('-', "_");
    let password = my_user(&user).await;
    let extra = format!("{user}_x");
    let mut admin = mariadb().connect_root().await.expect("admin");
    run_sql(
        &mut admin,
        "the original's second grant",
        [
            format!("CREATE DATABASE {extra}"),
            format!("CREATE TABLE {extra}.t (id INT)"),
            format!("GRANT SELECT ON {extra}.* TO '{user}'@'%'"),
        ],
    )
    .await;
    let secret = with_master(
        &s,
        "my-half",
        my_secret(&mariadb().root_user, mariadb().root_password()),
        my_secret(&user, &password),
    )
    .await;
    let token = created(&s.deps, &secret).await;
    let pending = secret.stage("AWSPENDING").await.expect("pending");
    let clone = text(&pending, "username");
    run_sql(
        &mut admin,
        "the statements before the crash",
        [
            format!(
                "CREATE USER '{clone}'@'%' IDENTIFIED BY PASSWORD '{}'",
                native_hash(&text(&pending, "password"))
            ),
            format!("GRANT ALL PRIVILEGES ON {user}.* TO '{clone}'@'%'"),
        ],
    )
    .await;

    finish_rotation(&s.deps, &secret, &token, "the rotation").await;
    let mut as_clone = my_login(&clone, &text(&pending, "password"))
        .await
        .expect("the clone logs in");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SELECT * FROM {extra}.t")))
        .execute(&mut as_clone)
        .await
        .expect("the clone has every privilege of the original");
}

/// A failure at every statement that changes a MariaDB clone as it is made,
/// one rotation each: the master account may send k statements
/// (`MAX_QUERIES_PER_HOUR k`, which the server enforces statement by
/// statement), setSecret fails at the next, the limit is lifted and the
/// retried steps must leave a clone with all of the original's privileges
/// and its TLS requirement. k grows until setSecret no longer fails.
#[tokio::test]
async fn mariadb_a_failure_at_any_statement_of_making_a_clone_is_recovered_by_the_retry() {
    let s = setup("my-every").await;
    let mut admin = mariadb().connect_root().await.expect("admin");
    let mut failures = 0;
    for k in 1..60 {
        let user = unique("every").replace('-', "_");
        let password = my_user(&user).await;
        let extra = format!("{user}_x");
        let master = format!("{user}_m");
        let master_password = random_alnum(20);
        run_sql(
            &mut admin,
            "setup sql",
            [
                format!("CREATE DATABASE {extra}"),
                format!("CREATE TABLE {extra}.t (id INT)"),
                format!("GRANT SELECT ON {extra}.* TO '{user}'@'%'"),
                format!("ALTER USER '{user}'@'%' REQUIRE SSL"),
                format!(
                    "CREATE USER '{master}'@'%' IDENTIFIED BY PASSWORD '{}' \
                 WITH MAX_QUERIES_PER_HOUR {k}",
                    native_hash(&master_password)
                ),
                format!("GRANT ALL PRIVILEGES ON *.* TO '{master}'@'%' WITH GRANT OPTION"),
            ],
        )
        .await;
        let secret = with_master(
            &s,
            "my-every",
            my_secret(&master, &master_password),
            my_secret(&user, &password),
        )
        .await;
        let token = created(&s.deps, &secret).await;
        let first = step(&s.deps, &secret, "setSecret", &token).await;
        let Err(e) = first else {
            // The limit counts statements sent as text (the prepared reads
            // are not counted): the connection's SET, then the four that
            // change the clone (CREATE USER, two GRANTs, REQUIRE SSL). Each
            // of those four must have been the one that failed once.
            assert!(failures >= 4, "a failure before each change: {failures}");
            break;
        };
        assert!(
            e.to_string().contains("max_queries_per_hour"),
            "k={k}: the injected failure, not another: {e}"
        );
        failures += 1;
        run_sql(
            &mut admin,
            "lift the limit",
            [
                format!("ALTER USER '{master}'@'%' WITH MAX_QUERIES_PER_HOUR 0"),
                "FLUSH USER_RESOURCES".to_owned(),
            ],
        )
        .await;
        finish_rotation(&s.deps, &secret, &token, &format!("k={k}")).await;
        let current = secret.current().await.expect("current");
        let clone = text(&current, "username");
        assert_eq!(clone, format!("{user}_clone"), "k={k}");
        let mut as_clone = my_login(&clone, &text(&current, "password"))
            .await
            .unwrap_or_else(|e| panic!("k={k}: the clone logs in: {e}"));
        for sql in [
            format!("CREATE TABLE {user}.made_by_clone (id INT)"),
            format!("SELECT * FROM {extra}.t"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut as_clone)
                .await
                .unwrap_or_else(|e| panic!("k={k}: the clone may run {sql}: {e}"));
        }
        let ssl_type: String = sqlx::query_scalar(
            "SELECT CAST(ssl_type AS CHAR) FROM mysql.user WHERE User = ? AND Host = '%'",
        )
        .bind(&clone)
        .fetch_one(&mut admin)
        .await
        .expect("ssl_type");
        assert_eq!(ssl_type, "ANY", "k={k}: the clone requires TLS");
    }
    assert!(failures > 0, "no failure was injected");
}

/// A schema every user may create in, on the master's search path (as
/// `public` is by default before PostgreSQL 15): the application's user
/// plants a `format(text, text, text)` there. The master must still build its
/// statements with PostgreSQL's own format and never run the planted SQL.
#[tokio::test]
async fn postgres_a_function_planted_on_the_master_search_path_is_never_run() {
    let s = setup("pg-plant").await;
    let user = unique("plant").replace('-', "_");
    let password = pg_user(&user).await;
    let master = format!("{user}_m");
    let master_password = random_alnum(20);
    let schema = format!("{user}_open");
    let pwned = format!("{user}_pwned");
    let mut admin = postgres().connect_superuser().await.expect("admin");
    run_sql(
        &mut admin,
        "setup sql",
        [
            format!(
                "CREATE ROLE {master} LOGIN CREATEROLE PASSWORD '{}'",
                scram_verifier(&master_password)
            ),
            format!("GRANT {user} TO {master} WITH ADMIN OPTION"),
            format!("CREATE SCHEMA {schema}"),
            format!("GRANT USAGE, CREATE ON SCHEMA {schema} TO PUBLIC"),
            format!("ALTER ROLE {master} SET search_path = {schema}"),
        ],
    )
    .await;
    let mut as_user = pg_login(&user, &password).await.expect("user");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE FUNCTION {schema}.format(text, text, text) RETURNS text \
         LANGUAGE sql AS $$ SELECT 'CREATE ROLE {pwned}' $$"
    )))
    .execute(&mut as_user)
    .await
    .expect("planted");

    let secret = with_master(
        &s,
        "pg-plant",
        pg_secret(&master, &master_password),
        pg_secret(&user, &password),
    )
    .await;
    let token = secret.start_rotation().await.expect("rotation started");
    let outcome = async {
        for name in STEPS {
            step(&s.deps, &secret, name, &token)
                .await
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok::<(), String>(())
    }
    .await;
    let planted_ran: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(&pwned)
            .fetch_one(&mut admin)
            .await
            .expect("pg_roles");
    assert!(
        !planted_ran,
        "the master ran SQL planted by the application's user"
    );
    outcome.expect("the rotation completes with PostgreSQL's own format");
    let current = secret.current().await.expect("current");
    pg_login(&text(&current, "username"), &text(&current, "password"))
        .await
        .expect("the clone logs in");
}

/// testSecret checks the clone is whole (as the master), not only that its
/// login works: a clone that lost what setSecret gave it is refused, and
/// AWSCURRENT stays until setSecret runs again.
#[tokio::test]
async fn test_secret_refuses_a_clone_that_cannot_stand_in_for_the_original() {
    let s = setup("incomplete").await;
    let pg_owner = unique("pgwhole").replace('-', "_");
    let pg_password = pg_user(&pg_owner).await;
    let my_owner = unique("mywhole").replace('-', "_");
    let my_password = my_user(&my_owner).await;
    let cases = [
        (
            with_master(
                &s,
                "incomplete-pg",
                pg_secret(&postgres().superuser, postgres().superuser_password()),
                pg_secret(&pg_owner, &pg_password),
            )
            .await,
            format!("ALTER ROLE {pg_owner}_clone RESET role"),
            "does not act as",
            pg_password,
        ),
        (
            with_master(
                &s,
                "incomplete-my",
                my_secret(&mariadb().root_user, mariadb().root_password()),
                my_secret(&my_owner, &my_password),
            )
            .await,
            format!("GRANT PROCESS ON *.* TO '{my_owner}_clone'@'%'"),
            "still needs: REVOKE PROCESS ON *.*",
            my_password,
        ),
    ];
    for (secret, damage, said, old_password) in cases {
        let token = secret.start_rotation().await.expect("rotation started");
        for name in ["createSecret", "setSecret"] {
            step(&s.deps, &secret, name, &token)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        if damage.starts_with("ALTER ROLE") {
            let mut admin = postgres().connect_superuser().await.expect("admin");
            sqlx::raw_sql(sqlx::AssertSqlSafe(damage))
                .execute(&mut admin)
                .await
                .expect("damage");
        } else {
            let mut admin = mariadb().connect_root().await.expect("admin");
            sqlx::raw_sql(sqlx::AssertSqlSafe(damage))
                .execute(&mut admin)
                .await
                .expect("damage");
        }
        let err = step(&s.deps, &secret, "testSecret", &token)
            .await
            .expect_err("an incomplete clone is refused");
        assert!(err.to_string().contains(said), "{err}");
        assert_eq!(
            text(&secret.current().await.expect("current"), "password"),
            old_password,
            "AWSCURRENT stays"
        );
        finish_rotation(&s.deps, &secret, &token, "after repair,").await;
    }
}

/// A failure at each statement that makes a PostgreSQL clone, one rotation
/// each. Each statement writes one shared catalog (CREATE ROLE pg_authid,
/// GRANT pg_auth_members, SET role pg_db_role_setting): the test holds a
/// SHARE lock on one, the master's lock_timeout makes that statement fail
/// after the ones before it took effect, the lock is released, and the
/// retried steps must leave a clone that acts as the original.
#[tokio::test]
async fn postgres_a_failure_at_any_statement_of_making_a_clone_is_recovered_by_the_retry() {
    let s = setup("pg-every").await;
    let mut admin = postgres().connect_superuser().await.expect("admin");
    for catalog in ["pg_authid", "pg_auth_members", "pg_db_role_setting"] {
        let user = unique("pgevery").replace('-', "_");
        let password = pg_user(&user).await;
        let master = format!("{user}_m");
        let master_password = random_alnum(20);
        run_sql(
            &mut admin,
            "setup sql",
            [
                format!(
                    "CREATE ROLE {master} LOGIN CREATEROLE PASSWORD '{}'",
                    scram_verifier(&master_password)
                ),
                format!("GRANT {user} TO {master} WITH ADMIN OPTION"),
                format!("ALTER ROLE {master} SET lock_timeout = '300ms'"),
            ],
        )
        .await;
        let secret = with_master(
            &s,
            "pg-every",
            pg_secret(&master, &master_password),
            pg_secret(&user, &password),
        )
        .await;
        let token = created(&s.deps, &secret).await;

        let mut locker = postgres().connect_superuser().await.expect("locker");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "BEGIN; LOCK TABLE pg_catalog.{catalog} IN SHARE MODE"
        )))
        .execute(&mut locker)
        .await
        .expect("lock");
        let failed = step(&s.deps, &secret, "setSecret", &token).await;
        sqlx::raw_sql("COMMIT")
            .execute(&mut locker)
            .await
            .expect("unlock");
        let err = failed.expect_err("the statement writing the locked catalog fails");
        assert!(err.to_string().contains("lock timeout"), "{catalog}: {err}");

        finish_rotation(&s.deps, &secret, &token, catalog).await;
        let current = secret.current().await.expect("current");
        let clone = text(&current, "username");
        assert_eq!(clone, format!("{user}_clone"), "{catalog}");
        let mut as_clone = pg_login(&clone, &text(&current, "password"))
            .await
            .unwrap_or_else(|e| panic!("{catalog}: the clone logs in: {e}"));
        let acting: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(&mut as_clone)
            .await
            .expect("current_user");
        assert_eq!(acting, user, "{catalog}: the clone acts as the original");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE {user}.made_by_clone (id int)"
        )))
        .execute(&mut as_clone)
        .await
        .unwrap_or_else(|e| panic!("{catalog}: the clone works in the original's schema: {e}"));
    }
}

/// Single user: the statement by which the user changes its own password
/// fails (PostgreSQL: pg_authid locked past the user's lock_timeout;
/// MariaDB: the account's MAX_QUERIES_PER_HOUR, for every k until setSecret
/// passes); the retried steps end with the new password working and the
/// old one refused.
#[tokio::test]
async fn a_failure_at_a_single_user_password_change_is_recovered_by_the_retry() {
    let s = setup("single-fail").await;
    // PostgreSQL.
    let user = unique("pgsingle").replace('-', "_");
    let old = pg_user(&user).await;
    let mut admin = postgres().connect_superuser().await.expect("admin");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER ROLE {user} SET lock_timeout = '300ms'"
    )))
    .execute(&mut admin)
    .await
    .expect("lock_timeout");
    let secret = RotatedSecret::create(
        &s.secrets,
        "pg-single-fail",
        &pg_secret(&user, &old).to_string(),
    )
    .await
    .expect("secret");
    let token = created(&s.deps, &secret).await;
    let mut locker = postgres().connect_superuser().await.expect("locker");
    sqlx::raw_sql("BEGIN; LOCK TABLE pg_catalog.pg_authid IN SHARE MODE")
        .execute(&mut locker)
        .await
        .expect("lock");
    let failed = step(&s.deps, &secret, "setSecret", &token).await;
    sqlx::raw_sql("COMMIT")
        .execute(&mut locker)
        .await
        .expect("unlock");
    let err = failed.expect_err("the password change fails");
    assert!(err.to_string().contains("lock timeout"), "{err}");
    finish_rotation(&s.deps, &secret, &token, "postgres").await;
    let current = secret.current().await.expect("current");
    pg_login(&user, &text(&current, "password"))
        .await
        .expect("the new password works");
    assert!(
        pg_login(&user, &old).await.is_err(),
        "the old one is refused"
    );

    // MariaDB.
    let mut root = mariadb().connect_root().await.expect("root");
    let mut failures = 0;
    for k in 1..20 {
        let user = unique("mysingle").replace('-', "_");
        let old = my_user(&user).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER USER '{user}'@'%' WITH MAX_QUERIES_PER_HOUR {k}"
        )))
        .execute(&mut root)
        .await
        .expect("limit");
        let secret = RotatedSecret::create(
            &s.secrets,
            "my-single-fail",
            &my_secret(&user, &old).to_string(),
        )
        .await
        .expect("secret");
        let token = created(&s.deps, &secret).await;
        let first = step(&s.deps, &secret, "setSecret", &token).await;
        let lifted = async {
            run_sql(
                &mut root,
                "lift the limit",
                [
                    format!("ALTER USER '{user}'@'%' WITH MAX_QUERIES_PER_HOUR 0"),
                    "FLUSH USER_RESOURCES".to_owned(),
                ],
            )
            .await;
        };
        let done = match first {
            Ok(_) => true,
            Err(e) => {
                assert!(e.to_string().contains("max_queries_per_hour"), "k={k}: {e}");
                failures += 1;
                false
            }
        };
        lifted.await;
        finish_rotation(&s.deps, &secret, &token, &format!("mariadb k={k}")).await;
        let current = secret.current().await.expect("current");
        my_login(&user, &text(&current, "password"))
            .await
            .unwrap_or_else(|e| panic!("k={k}: the new password works: {e}"));
        assert!(
            my_login(&user, &old).await.is_err(),
            "k={k}: the old one is refused"
        );
        if done {
            break;
        }
    }
    assert!(
        failures >= 1,
        "a failure was injected at the password change"
    );
}

/// The bad-input policy: a payload that is no rotation event is refused
/// without retry (nothing done, one WARNING, the invocation succeeds); a
/// rotation event that cannot be read fails the step instead, so Secrets
/// Manager never takes it as done, and a person is told once.
#[tokio::test]
async fn a_payload_of_no_known_shape_is_refused_once_and_a_bad_rotation_event_fails_the_step() {
    let s = setup("refused").await;
    let report = invoke(json!({"detail-type": "Scheduled Event"}), &s.deps)
        .await
        .expect("refused, not raised");
    s.sink
        .assert_refused(&report, "secret-rotator", "Secrets Manager rotation event")
        .await;

    let secret = RotatedSecret::create(&s.secrets, "refused", r#"{"engine":"token","token":"t0"}"#)
        .await
        .expect("secret");
    let before = secret.stage("AWSCURRENT").await.expect("current");
    let err = invoke(secret.event("rotateSecret", "tok-1"), &s.deps)
        .await
        .expect_err("an unknown step fails");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(err.to_string().contains("unknown step"), "{err}");
    assert_eq!(secret.stage("AWSCURRENT").await.expect("current"), before);
    let told = s
        .sink
        .drain(std::time::Duration::from_secs(1))
        .await
        .expect("drain");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        told[0].subject.as_deref(),
        Some("[ERROR] a rotation event could not be read")
    );
}

/// A failure of AWS fails the step with its class in the errorType.
#[tokio::test]
async fn a_throttled_secrets_manager_call_fails_the_step_with_its_class() {
    let s = setup("throttled").await;
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let mut deps = s.deps.clone();
    deps.secrets = aws_sdk_secretsmanager::Client::new(&proxy.sdk_config().await);
    let secret = RotatedSecret::create(
        &s.secrets,
        "throttled",
        r#"{"engine":"token","token":"t0"}"#,
    )
    .await
    .expect("secret");
    let token = secret.start_rotation().await.expect("rotation started");
    proxy.fail_next("DescribeSecret", 10, Fault::Throttle);
    let err = step(&deps, &secret, "createSecret", &token)
        .await
        .expect_err("throttled");
    assert_eq!(
        shared::aws::error_type(err.kind(), err.class()),
        "SecretsManagerFailed.Throttled",
        "{err}"
    );
}

/// Rotation is turned off while finishSecret runs, after it moved AWSCURRENT
/// (the step's second DescribeSecret says so). The rotation is complete:
/// finishSecret reports it done instead of failing after the fact.
#[tokio::test]
async fn finish_secret_does_not_fail_a_rotation_it_completed_when_rotation_is_turned_off_meanwhile()
{
    let s = setup("finish-off").await;
    let proxy = FaultProxy::start(Emulator::shared().endpoint())
        .await
        .expect("proxy");
    let mut deps = s.deps.clone();
    deps.secrets = aws_sdk_secretsmanager::Client::new(&proxy.sdk_config().await);
    let secret = RotatedSecret::create(
        &s.secrets,
        "finish-off",
        r#"{"engine":"token","token":"t0"}"#,
    )
    .await
    .expect("secret");
    let token = secret.start_rotation().await.expect("rotation started");
    for name in ["createSecret", "setSecret", "testSecret"] {
        step(&deps, &secret, name, &token)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let pending = secret.stage("AWSPENDING").await.expect("pending");
    proxy.fail_after(
        "DescribeSecret",
        1,
        1,
        Fault::Rewrite(|mut answer| {
            answer["RotationEnabled"] = json!(false);
            answer
        }),
    );
    let report = step(&deps, &secret, "finishSecret", &token)
        .await
        .expect("finishSecret reports the rotation it completed");
    assert_eq!(
        proxy.faults_served(),
        1,
        "the second DescribeSecret was rewritten"
    );
    assert_eq!(report.done.len(), 1, "{report:?}");
    assert_eq!(secret.current().await.expect("current"), pending);
}

/// The original reads a database through a role that is its default: the
/// clone gets the role and has it active at login too.
#[tokio::test]
async fn mariadb_clone_gets_the_original_default_role() {
    let s = setup("my-role").await;
    let user = unique("roled").replace('-', "_");
    let password = my_user(&user).await;
    let extra = format!("{user}_x");
    let role = format!("{user}_reader");
    let mut admin = mariadb().connect_root().await.expect("admin");
    run_sql(
        &mut admin,
        "setup sql",
        [
            format!("CREATE DATABASE {extra}"),
            format!("CREATE TABLE {extra}.t (id INT)"),
            format!("CREATE ROLE {role}"),
            format!("GRANT SELECT ON {extra}.* TO {role}"),
            format!("GRANT {role} TO '{user}'@'%'"),
            format!("SET DEFAULT ROLE {role} FOR '{user}'@'%'"),
        ],
    )
    .await;
    let secret = with_master(
        &s,
        "my-role",
        my_secret(&mariadb().root_user, mariadb().root_password()),
        my_secret(&user, &password),
    )
    .await;
    rotate(&s.deps, &secret).await;
    let current = secret.current().await.expect("current");
    let mut as_clone = my_login(&text(&current, "username"), &text(&current, "password"))
        .await
        .expect("the clone logs in");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SELECT * FROM {extra}.t")))
        .execute(&mut as_clone)
        .await
        .expect("the clone reads through the role, active at login as for the original");
}
