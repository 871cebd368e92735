//! Throwaway PostgreSQL and MariaDB servers: password authentication is
//! enforced and connections use TLS verified against the test CA.

use harness::mariadb::MariaDb;
use harness::postgres::Postgres;
use harness::tls::TestCa;
use sqlx::{ConnectOptions, Connection, Row};

fn postgres() -> &'static Postgres {
    Postgres::shared()
}

fn mariadb() -> &'static MariaDb {
    MariaDb::shared()
}

#[tokio::test]
async fn postgres_accepts_the_right_password_over_verified_tls() {
    let pg = postgres();
    let mut conn = pg.connect_superuser().await.expect("connect");
    let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .expect("query");
    assert!(row.get::<bool, _>("ssl"), "connection must be encrypted");
    conn.close().await.expect("close");
}

#[tokio::test]
async fn postgres_rejects_a_wrong_password() {
    let pg = postgres();
    pg.connect_superuser().await.expect("server up");
    let err = pg
        .options(&pg.superuser, "wrong-password", "postgres")
        .connect()
        .await
        .expect_err("wrong password");
    assert!(
        err.to_string().contains("password authentication failed"),
        "{err}"
    );
}

#[tokio::test]
async fn postgres_refuses_plaintext() {
    let pg = postgres();
    pg.connect_superuser().await.expect("server up");
    let err = pg
        .options(&pg.superuser, pg.superuser_password(), "postgres")
        .ssl_mode(sqlx::postgres::PgSslMode::Disable)
        .connect()
        .await
        .expect_err("plaintext refused");
    assert!(err.to_string().contains("no encryption"), "{err}");
}

#[tokio::test]
async fn postgres_certificate_from_another_ca_is_not_trusted() {
    let pg = postgres();
    pg.connect_superuser().await.expect("server up");
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other-ca.pem");
    TestCa::new("some other CA")
        .expect("ca")
        .write_pem(&other)
        .expect("write");
    let err = pg
        .options(&pg.superuser, pg.superuser_password(), "postgres")
        .ssl_root_cert(&other)
        .connect()
        .await
        .expect_err("untrusted certificate");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn mariadb_accepts_the_right_password_over_verified_tls() {
    let db = mariadb();
    let mut conn = db.connect_root().await.expect("connect");
    let row = sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_version'")
        .fetch_one(&mut conn)
        .await
        .expect("query");
    let version: String = row.get(1);
    assert!(
        version.starts_with("TLS"),
        "connection must be encrypted, got {version:?}"
    );
    conn.close().await.expect("close");
}

#[tokio::test]
async fn mariadb_rejects_a_wrong_password() {
    let db = mariadb();
    db.connect_root().await.expect("server up");
    let err = db
        .options(&db.root_user, "wrong-password")
        .connect()
        .await
        .expect_err("wrong password");
    assert!(err.to_string().contains("Access denied"), "{err}");
}

#[tokio::test]
async fn mariadb_refuses_plaintext() {
    let db = mariadb();
    db.connect_root().await.expect("server up");
    let err = db
        .options(&db.root_user, db.root_password())
        .ssl_mode(sqlx::mysql::MySqlSslMode::Disabled)
        .connect()
        .await
        .expect_err("plaintext refused");
    // MariaDB answers a plaintext login under require_secure_transport with
    // "Access denied" or "insecure transport", depending on the auth plugin;
    // the same credentials over TLS work (they were just used above).
    let msg = err.to_string();
    assert!(
        msg.contains("insecure transport") || msg.contains("Access denied"),
        "{msg}"
    );
}

#[tokio::test]
async fn mariadb_certificate_from_another_ca_is_not_trusted() {
    let db = mariadb();
    db.connect_root().await.expect("server up");
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other-ca.pem");
    TestCa::new("some other CA")
        .expect("ca")
        .write_pem(&other)
        .expect("write");
    let err = db
        .options(&db.root_user, db.root_password())
        .ssl_ca(&other)
        .connect()
        .await
        .expect_err("untrusted certificate");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}
