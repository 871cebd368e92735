//! Keeping an alternating pair's clone at its original's privileges on
//! MySQL and MariaDB: what `SHOW GRANTS` lists for each, compared object by
//! object, and the statements that make the clone's list the original's.
//! Pure, so every case is unit-tested; `db.rs` reads the lists and runs the
//! statements. Grants are copied on every rotation, not only when the clone
//! is made, so a privilege given to or taken from the original reaches the
//! clone at the next rotation that sets it.

use std::collections::{BTreeMap, BTreeSet};

use crate::password_sql::MyServer;

const ALL: &str = "ALL PRIVILEGES";

/// One account's privileges: per object (`*.*`, `` `db`.* ``, a table, a
/// proxied account), the privileges and whether it may grant them; and the
/// roles it was granted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Grants {
    on: BTreeMap<String, Privileges>,
    roles: BTreeSet<String>,
    /// MySQL 8 partial revokes (`partial_revokes=ON`): privileges held
    /// globally but withdrawn on one schema, which SHOW GRANTS lists as
    /// `REVOKE … ON db.* FROM …`. Missing them would leave the clone with
    /// more than the original.
    withdrawn: BTreeMap<String, BTreeSet<String>>,
    /// The roles active at login: MariaDB lists its one as `SET DEFAULT ROLE
    /// … FOR …` in SHOW GRANTS; MySQL 8 keeps them in `mysql.default_roles`
    /// (see [`Grants::with_default_roles`]).
    default_roles: BTreeSet<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Privileges {
    names: BTreeSet<String>,
    grant_option: bool,
}

impl Grants {
    /// From the lines of `SHOW GRANTS FOR account`. What follows ` TO ` (the
    /// account, a password hash, REQUIRE, resource limits) is not a
    /// privilege and is skipped, except WITH GRANT/ADMIN OPTION.
    pub fn parse(lines: &[String]) -> Grants {
        let mut grants = Grants::default();
        for line in lines {
            if let Some(rest) = line.strip_prefix("SET DEFAULT ROLE ")
                && let Some((roles, _)) = rest.split_once(" FOR ")
            {
                grants
                    .default_roles
                    .extend(split_top_level(roles).into_iter().filter(|r| r != "NONE"));
                continue;
            }
            if let Some(rest) = line.strip_prefix("REVOKE ")
                && let Some((what, _)) = rest.split_once(" FROM ")
                && let Some((names, object)) = what.split_once(" ON ")
            {
                grants
                    .withdrawn
                    .entry(object.to_owned())
                    .or_default()
                    .extend(split_top_level(names));
                continue;
            }
            let Some(rest) = line.strip_prefix("GRANT ") else {
                continue;
            };
            let Some((what, to)) = rest.split_once(" TO ") else {
                continue;
            };
            let grant_option = to.contains("WITH GRANT OPTION");
            match what.split_once(" ON ") {
                Some((names, object)) => {
                    let entry = grants.on.entry(object.to_owned()).or_default();
                    entry.grant_option |= grant_option;
                    entry
                        .names
                        .extend(split_top_level(names).into_iter().filter(|n| n != "USAGE"));
                }
                None => grants.roles.extend(split_top_level(what)),
            }
        }
        grants
            .on
            .retain(|_, p| !p.names.is_empty() || p.grant_option);
        grants
    }

    /// The same grants with MySQL 8's default roles (`'role'@'host'`, as read
    /// from `mysql.default_roles`).
    pub fn with_default_roles(mut self, roles: impl IntoIterator<Item = String>) -> Grants {
        self.default_roles.extend(roles);
        self
    }
}

/// `SELECT (`a`, `b`), INSERT` -> [`SELECT (`a`, `b`)`, `INSERT`]: commas
/// inside a column list do not separate privileges.
fn split_top_level(list: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut current = String::new();
    for c in list.chars() {
        match c {
            '`' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_owned());
    parts.retain(|p| !p.is_empty());
    parts
}

fn join(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The statements that give `account` (already quoted) exactly `wanted`,
/// when it has `have`. Grants come before revokes, so a session still using
/// the clone never loses a privilege both lists hold; only a move away from
/// ALL PRIVILEGES revokes first, since revoking ALL takes everything.
pub fn sync(wanted: &Grants, have: &Grants, account: &str, server: MyServer) -> Vec<String> {
    let mut grants = Vec::new();
    let mut revokes = Vec::new();
    let empty = Privileges::default();
    let objects: BTreeSet<&String> = wanted.on.keys().chain(have.on.keys()).collect();
    for object in objects {
        let want = wanted.on.get(object).unwrap_or(&empty);
        let got = have.on.get(object).unwrap_or(&empty);
        let mut got_names = got.names.clone();
        if got_names.contains(ALL) && !want.names.contains(ALL) {
            grants.push(format!("REVOKE {ALL} ON {object} FROM {account}"));
            got_names.clear();
        }
        let add: BTreeSet<String> = want.names.difference(&got_names).cloned().collect();
        let remove: BTreeSet<String> = if want.names.contains(ALL) {
            BTreeSet::new()
        } else {
            got_names.difference(&want.names).cloned().collect()
        };
        if !add.is_empty() || (want.grant_option && !got.grant_option) {
            let names = if add.is_empty() {
                "USAGE".to_owned()
            } else {
                join(&add)
            };
            let option = if want.grant_option {
                " WITH GRANT OPTION"
            } else {
                ""
            };
            grants.push(format!("GRANT {names} ON {object} TO {account}{option}"));
        }
        if !remove.is_empty() {
            revokes.push(format!(
                "REVOKE {} ON {object} FROM {account}",
                join(&remove)
            ));
        }
        if got.grant_option && !want.grant_option {
            revokes.push(format!("REVOKE GRANT OPTION ON {object} FROM {account}"));
        }
    }
    for role in wanted.roles.difference(&have.roles) {
        grants.push(format!("GRANT {role} TO {account}"));
    }
    for role in have.roles.difference(&wanted.roles) {
        revokes.push(format!("REVOKE {role} FROM {account}"));
    }
    // The roles active at login, once the roles are granted.
    if wanted.default_roles != have.default_roles {
        let roles = if wanted.default_roles.is_empty() {
            "NONE".to_owned()
        } else {
            join(&wanted.default_roles)
        };
        grants.push(match server {
            MyServer::MariaDb => format!("SET DEFAULT ROLE {roles} FOR {account}"),
            MyServer::MySql => format!("SET DEFAULT ROLE {roles} TO {account}"),
        });
    }
    // Partial revokes: withdrawing on a schema is a REVOKE there, and
    // lifting one a GRANT there. They come after the global grants, whose
    // privileges they narrow.
    let none = BTreeSet::new();
    let objects: BTreeSet<&String> = wanted
        .withdrawn
        .keys()
        .chain(have.withdrawn.keys())
        .collect();
    for object in objects {
        let want = wanted.withdrawn.get(object).unwrap_or(&none);
        let got = have.withdrawn.get(object).unwrap_or(&none);
        let withdraw: BTreeSet<String> = want.difference(got).cloned().collect();
        // A schema-level GRANT lifts a partial revoke only of a privilege
        // held globally; of any other it would add a privilege.
        let global = wanted.on.get("*.*").map(|p| &p.names);
        let held = |name: &String| global.is_some_and(|g| g.contains(name) || g.contains(ALL));
        let lift: BTreeSet<String> = got.difference(want).filter(|n| held(n)).cloned().collect();
        if !lift.is_empty() {
            grants.push(format!("GRANT {} ON {object} TO {account}", join(&lift)));
        }
        if !withdraw.is_empty() {
            revokes.push(format!(
                "REVOKE {} ON {object} FROM {account}",
                join(&withdraw)
            ));
        }
    }
    grants.extend(revokes);
    grants
}

/// How an account must connect, from `mysql.user`'s `ssl_type`: the clause
/// that gives the clone the original's requirement. `SPECIFIED` (an issuer,
/// subject or cipher) is copied from its parts by the caller.
pub fn require_clause(ssl_type: &str) -> Option<&'static str> {
    match ssl_type {
        "" => Some("REQUIRE NONE"),
        "ANY" => Some("REQUIRE SSL"),
        "X509" => Some("REQUIRE X509"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLONE: &str = "`app_clone`@`%`";

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn show_grants_lines_are_read_by_object() {
        let g = Grants::parse(&lines(&[
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' REQUIRE SSL",
            "GRANT SELECT (`a`, `b`), INSERT ON `shop`.`orders` TO `app`@`%` WITH GRANT OPTION",
            "GRANT ALL PRIVILEGES ON `app`.* TO `app`@`%`",
            "GRANT `reporting` TO `app`@`%`",
        ]));
        assert_eq!(g.on.len(), 2, "USAGE alone is no privilege: {g:?}");
        let orders = &g.on["`shop`.`orders`"];
        assert!(orders.grant_option);
        assert_eq!(
            orders.names.iter().cloned().collect::<Vec<_>>(),
            ["INSERT", "SELECT (`a`, `b`)"]
        );
        assert!(g.roles.contains("`reporting`"));
    }

    #[test]
    fn the_clone_gets_what_it_lacks_and_loses_what_the_original_lost() {
        let original = Grants::parse(&lines(&[
            "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%`",
            "GRANT SELECT ON `audit`.* TO `app`@`%`",
            "GRANT `reporting` TO `app`@`%`",
        ]));
        let clone = Grants::parse(&lines(&[
            "GRANT SELECT, DELETE ON `shop`.* TO `app_clone`@`%`",
            "GRANT SELECT ON `old`.* TO `app_clone`@`%` WITH GRANT OPTION",
            "GRANT `admin` TO `app_clone`@`%`",
        ]));
        assert_eq!(
            sync(&original, &clone, CLONE, MyServer::MySql),
            [
                "GRANT SELECT ON `audit`.* TO `app_clone`@`%`",
                "GRANT INSERT ON `shop`.* TO `app_clone`@`%`",
                "GRANT `reporting` TO `app_clone`@`%`",
                "REVOKE SELECT ON `old`.* FROM `app_clone`@`%`",
                "REVOKE GRANT OPTION ON `old`.* FROM `app_clone`@`%`",
                "REVOKE DELETE ON `shop`.* FROM `app_clone`@`%`",
                "REVOKE `admin` FROM `app_clone`@`%`",
            ]
        );
        assert!(
            sync(&original, &original, CLONE, MyServer::MySql).is_empty(),
            "in sync: nothing to do"
        );
    }

    #[test]
    fn all_privileges_is_never_half_revoked() {
        let all = Grants::parse(&lines(&["GRANT ALL PRIVILEGES ON `app`.* TO `app`@`%`"]));
        let select = Grants::parse(&lines(&["GRANT SELECT ON `app`.* TO `app`@`%`"]));
        assert_eq!(
            sync(&all, &select, CLONE, MyServer::MySql),
            ["GRANT ALL PRIVILEGES ON `app`.* TO `app_clone`@`%`"]
        );
        assert_eq!(
            sync(&select, &all, CLONE, MyServer::MySql),
            [
                "REVOKE ALL PRIVILEGES ON `app`.* FROM `app_clone`@`%`",
                "GRANT SELECT ON `app`.* TO `app_clone`@`%`",
            ]
        );
    }

    #[test]
    fn mysql_partial_revokes_are_copied_and_lifted() {
        // MySQL 8 with partial_revokes=ON (no MySQL 8 server can be installed
        // here, so these statements are checked as text).
        let original = Grants::parse(&lines(&[
            "GRANT SELECT, INSERT ON *.* TO `app`@`%`",
            "REVOKE INSERT ON `mysql`.* FROM `app`@`%`",
        ]));
        let fresh = Grants::parse(&lines(&[]));
        assert_eq!(
            sync(&original, &fresh, CLONE, MyServer::MySql),
            [
                "GRANT INSERT, SELECT ON *.* TO `app_clone`@`%`",
                "REVOKE INSERT ON `mysql`.* FROM `app_clone`@`%`",
            ],
            "the clone never holds what the original was refused"
        );
        let lifted = Grants::parse(&lines(&["GRANT SELECT, INSERT ON *.* TO `app`@`%`"]));
        let clone = Grants::parse(&lines(&[
            "GRANT SELECT, INSERT ON *.* TO `app_clone`@`%`",
            "REVOKE INSERT, DELETE ON `mysql`.* FROM `app_clone`@`%`",
        ]));
        assert_eq!(
            sync(&lifted, &clone, CLONE, MyServer::MySql),
            ["GRANT INSERT ON `mysql`.* TO `app_clone`@`%`"],
            "INSERT is lifted; DELETE, held by neither globally, is never granted"
        );
        assert!(sync(&original, &original, CLONE, MyServer::MySql).is_empty());
    }

    #[test]
    fn default_roles_are_set_in_each_server_s_words() {
        let original = Grants::parse(&lines(&[
            "GRANT `reader` TO `app`@`%`",
            "SET DEFAULT ROLE `reader` FOR `app`@`%`",
        ]));
        let clone = Grants::parse(&lines(&[]));
        assert_eq!(
            sync(&original, &clone, CLONE, MyServer::MariaDb),
            [
                "GRANT `reader` TO `app_clone`@`%`",
                "SET DEFAULT ROLE `reader` FOR `app_clone`@`%`",
            ]
        );
        let mysql = Grants::parse(&lines(&["GRANT `r1`@`%`,`r2`@`%` TO `app`@`%`"]))
            .with_default_roles(["'r1'@'%'".to_owned(), "'r2'@'%'".to_owned()]);
        let plan = sync(&mysql, &clone, CLONE, MyServer::MySql);
        assert_eq!(
            plan.last().map(String::as_str),
            Some("SET DEFAULT ROLE 'r1'@'%', 'r2'@'%' TO `app_clone`@`%`")
        );
        let none = sync(&clone, &original, CLONE, MyServer::MariaDb);
        assert!(
            none.contains(&"SET DEFAULT ROLE NONE FOR `app_clone`@`%`".to_owned()),
            "{none:?}"
        );
    }

    #[test]
    fn tls_requirements_map_to_their_clause() {
        assert_eq!(require_clause(""), Some("REQUIRE NONE"));
        assert_eq!(require_clause("ANY"), Some("REQUIRE SSL"));
        assert_eq!(require_clause("X509"), Some("REQUIRE X509"));
        assert_eq!(require_clause("SPECIFIED"), None);
    }
}
