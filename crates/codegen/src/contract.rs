//! The contract snapshot: what the generated client offers, as stable text a reviewer can diff.

use std::fmt::Write as _;

use quote::ToTokens;

use crate::Flavour;
use crate::operations::Rows;

/// Renders the operations (stable name, upstream operationId, route, media type, deprecation), the Rust
/// methods they became and the public types with their fields. An upstream rename changes one line here and
/// no Rust name.
pub fn render(flavour: Flavour, rows: &Rows, unused_fixups: &[&str], file: &syn::File) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Contract of the {} client (generated; compare, do not edit)",
        flavour.name
    );
    let _ = writeln!(
        out,
        "# fixups: {}",
        flavour
            .fixups
            .iter()
            .map(|f| if unused_fixups.contains(&f.name()) {
                format!("{} (unused)", f.name())
            } else {
                f.name().to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "\n## operations");
    for r in &rows.present {
        let _ = writeln!(
            out,
            "{} (upstream {}) {} {} [{}]{}{}{}",
            r.name,
            r.operation_id,
            r.method,
            r.path,
            r.media_type,
            if r.deprecated { " deprecated" } else { "" },
            r.sunset
                .as_ref()
                .map(|s| format!(" sunset={s}"))
                .unwrap_or_default(),
            r.successor
                .as_ref()
                .map(|s| format!(" successor={s}"))
                .unwrap_or_default()
        );
    }
    for name in &rows.absent {
        let _ = writeln!(out, "{name} absent from this revision");
    }
    let _ = writeln!(out, "\n## methods");
    for sig in client_methods(file) {
        let _ = writeln!(out, "{}", tidy(&sig.to_token_stream().to_string()));
    }
    let _ = writeln!(out, "\n## types");
    for item in &file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
            && let Some((_, items)) = &m.content
        {
            for item in items {
                match item {
                    syn::Item::Struct(s) => {
                        let _ = writeln!(out, "struct {}", s.ident);
                        for field in &s.fields {
                            let name = field
                                .ident
                                .as_ref()
                                .map(|i| i.to_string())
                                .unwrap_or_else(|| "0".into());
                            let _ = writeln!(
                                out,
                                "    {name}: {}{}",
                                tidy(&field.ty.to_token_stream().to_string()),
                                serde_rename(&field.attrs)
                            );
                        }
                    }
                    syn::Item::Enum(e) => {
                        let _ = writeln!(out, "enum {}", e.ident);
                        for v in &e.variants {
                            let fields = if v.fields.is_empty() {
                                String::new()
                            } else {
                                tidy(&v.fields.to_token_stream().to_string())
                            };
                            let _ =
                                writeln!(out, "    {}{fields}{}", v.ident, serde_rename(&v.attrs));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// Signatures of the public async methods of the generated `Client`, in generation order.
pub fn client_methods(file: &syn::File) -> Vec<&syn::Signature> {
    let mut out = Vec::new();
    for item in &file.items {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && type_name(&imp.self_ty) == "Client"
        {
            for member in &imp.items {
                if let syn::ImplItem::Fn(f) = member
                    && matches!(f.vis, syn::Visibility::Public(_))
                    && f.sig.asyncness.is_some()
                {
                    out.push(&f.sig);
                }
            }
        }
    }
    out
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The wire name, when serde renames a field or variant.
fn serde_rename(attrs: &[syn::Attribute]) -> String {
    for attr in attrs {
        if attr.path().is_ident("serde") {
            let text = attr.meta.to_token_stream().to_string();
            if let Some(start) = text.find("rename = \"") {
                let rest = &text[start + 10..];
                if let Some(end) = rest.find('"') {
                    return format!("  (wire: {})", &rest[..end]);
                }
            }
        }
    }
    String::new()
}

/// Token-stream text with the spaces a person would not write removed.
fn tidy(tokens: &str) -> String {
    let mut s = tokens.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        (" <", "<"),
        (",>", ">"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& '", "&'"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("- >", "->"),
        (" :", ":"),
    ] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}
