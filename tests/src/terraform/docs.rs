//! Each module README's Inputs and Outputs tables, generated from the
//! module's own `variable` and `output` blocks and kept between
//! terraform-docs' markers, so the documentation cannot drift from the code.
//! `make docs` rewrites them; the documentation test fails when a README's
//! tables are not what the code says.

use hcl::Block;
use hcl::expr::Expression;
use hcl::format::{Format, Formatter};

use super::Module;

/// terraform-docs' markers: what lies between them is generated.
pub const BEGIN: &str = "<!-- BEGIN_TF_DOCS -->";
pub const END: &str = "<!-- END_TF_DOCS -->";

/// The Inputs and Outputs tables of `module`, in declaration order.
pub fn tables(module: &Module) -> String {
    let mut out =
        String::from("## Inputs\n\n| name | description | default |\n| --- | --- | --- |\n");
    for (_, block) in module.blocks("variable") {
        let default = attribute(block, "default")
            .map(|e| format!("`{}`", cell(&compact(e))))
            .unwrap_or_else(|| "required".to_owned());
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            label(block),
            description(block),
            default
        ));
    }
    out.push_str("\n## Outputs\n\n| name | description |\n| --- | --- |\n");
    for (_, block) in module.blocks("output") {
        out.push_str(&format!(
            "| `{}` | {} |\n",
            label(block),
            description(block)
        ));
    }
    out
}

/// `readme` with the text between the markers replaced by `tables`; an
/// error naming what is missing when the markers are not there.
pub fn regenerate(readme: &str, tables: &str) -> Result<String, String> {
    let start = readme
        .find(BEGIN)
        .ok_or_else(|| format!("no {BEGIN} marker"))?;
    let end = readme[start..]
        .find(END)
        .map(|i| start + i)
        .ok_or_else(|| format!("no {END} marker after {BEGIN}"))?;
    Ok(format!(
        "{}{BEGIN}\n{tables}{}",
        &readme[..start],
        &readme[end..]
    ))
}

fn label(block: &Block) -> &str {
    block.labels.first().map(|l| l.as_str()).unwrap_or_default()
}

fn attribute<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body
        .attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
}

/// The description on one line, safe in a table cell; a missing one says so,
/// so that it shows in review.
fn description(block: &Block) -> String {
    match attribute(block, "description") {
        Some(Expression::String(s)) => cell(s),
        Some(other) => cell(&compact(other)),
        None => "(no description)".to_owned(),
    }
}

/// An expression as HCL, arrays and objects on one line (`cell` joins
/// whatever lines are left).
fn compact(expr: &Expression) -> String {
    let mut formatter = Formatter::builder().compact(true).build_vec();
    expr.format_string(&mut formatter).unwrap_or_default()
}

/// Text for a Markdown table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_follow_the_code_and_regenerate_only_between_the_markers() {
        let module = Module::from_text(
            "m",
            r#"
            variable "name" { description = "Prefix | of names." }
            variable "tag" {
              description = "A tag."
              default = { key = "k", value = "24" }
            }
            output "arn" { description = "ARN." }
            "#,
        )
        .expect("parse");
        let tables = tables(&module);
        assert!(
            tables.contains("| `name` | Prefix \\| of names. | required |"),
            "{tables}"
        );
        assert!(
            tables.contains("| `tag` | A tag. | `{ key = \"k\", value = \"24\" }` |"),
            "{tables}"
        );
        assert!(tables.contains("| `arn` | ARN. |"), "{tables}");

        let readme = format!("# m\n\nProse.\n\n{BEGIN}\nstale\n{END}\n\nMore prose.\n");
        let fresh = regenerate(&readme, &tables).expect("markers");
        assert!(fresh.starts_with("# m\n\nProse.\n\n"));
        assert!(fresh.ends_with(&format!("{END}\n\nMore prose.\n")));
        assert!(!fresh.contains("stale"));
        assert!(regenerate("# m\n", &tables).is_err());
    }
}
