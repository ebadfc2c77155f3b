//! Fragment text → generated Rust (client, operation table, contract snapshot).

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle};
use quote::quote;
use serde_json::Value;

use crate::operations::Rows;
use crate::table::Table;
use crate::{CodegenError, Flavour, contract, operations};

/// The generated texts, and what a maintainer should hear about.
#[derive(Debug)]
pub struct Output {
    /// `codegen.rs`.
    pub client: String,
    /// `operations.rs`.
    pub operations: String,
    /// `contract.txt`.
    pub contract: String,
    /// Fixups of the flavour that found nothing to change in this fragment: delete them from its list.
    pub unused_fixups: Vec<&'static str>,
    /// Operations the table lists for the flavour that this fragment lacks.
    pub absent: Vec<String>,
}

/// A fragment ready for progenitor: fixups applied, operations named from the table.
#[derive(Debug)]
pub struct Prepared {
    /// The rewritten document.
    pub doc: Value,
    /// The flavour's operations, matched with the table.
    pub rows: Rows,
    /// Fixups that changed nothing.
    pub unused_fixups: Vec<&'static str>,
}

/// Matches the fragment with the table, applies the flavour's fixups and gives each operation its stable
/// name as operationId (progenitor names methods after it; upstream's id stays in the rows).
pub fn prepare(flavour: Flavour, fragment: &str, table: &Table) -> Result<Prepared, CodegenError> {
    let mut doc: Value = serde_json::from_str(fragment)
        .map_err(|e| CodegenError(format!("spec/{}.json is not valid JSON: {e}", flavour.name)))?;
    let row = table.flavour(flavour.name).ok_or_else(|| {
        CodegenError(format!(
            "flavour `{}` has no entry in spec/{}",
            flavour.name,
            crate::table::FILE_NAME
        ))
    })?;
    let rows = operations::rows(&doc, table, row)?;
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (method, path) in &rows.other_versions {
            if let Some(item) = paths.get_mut(path).and_then(Value::as_object_mut) {
                item.remove(method);
            }
        }
        // A path item left with no operation (only shared parameters, say) generates nothing.
        paths.retain(|_, item| {
            item.as_object().is_some_and(|i| {
                i.keys()
                    .any(|k| crate::fixups::METHODS.contains(&k.as_str()))
            })
        });
    }
    let mut unused_fixups = Vec::new();
    for fixup in flavour.fixups {
        if fixup.apply(&mut doc, &rows.present) == 0 {
            unused_fixups.push(fixup.name());
        }
    }
    crate::fixups::for_each_operation(&mut doc, |path, method, op| {
        if let Some(r) = rows
            .present
            .iter()
            .find(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
        {
            op.insert("operationId".into(), Value::String(r.name.clone()));
        }
    });
    Ok(Prepared {
        doc,
        rows,
        unused_fixups,
    })
}

/// Applies the flavour's fixups to the fragment and runs progenitor.
pub fn generate(flavour: Flavour, fragment: &str, table: &Table) -> Result<Output, CodegenError> {
    let Prepared {
        doc,
        rows,
        unused_fixups,
    } = prepare(flavour, fragment, table)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc).map_err(|e| {
        CodegenError(format!(
            "fragment is not an OpenAPI 3.0 document after fixups: {e}"
        ))
    })?;

    let mut settings = GenerationSettings::default();
    settings
        // One method per operation with positional arguments: the smallest output, and the facade offers
        // the friendly surface.
        .with_interface(InterfaceStyle::Positional)
        // The media-type table must be applied to every request: refuse to compile without our hooks.
        .with_hooks(HooksMode::Expected)
        // Auth and retries live in the transport, which the hooks reach through the client's inner value.
        .with_inner_type(quote!(transport::Transport))
        // Lets the contract-diff guard compare each generated type's schema with the fragment's.
        .with_derive("schemars::JsonSchema")
        // Callers (and tests) compare values; typify derives it only for some types.
        .with_derive("PartialEq");
    for name in crate::REPLACED_SCHEMAS {
        // The shared type is used wherever the schema is, in every flavour and revision.
        settings.with_replacement(
            name,
            format!("::invitation_types::{name}"),
            std::iter::empty(),
        );
    }
    let mut generator = Generator::new(&settings);
    let client = generator
        .generate_tokens(&spec)
        .map_err(|e| CodegenError(format!("progenitor: {e}")))?;
    let hooks = hooks();
    let mut file: syn::File = syn::parse2(quote! { #client #hooks })
        .map_err(|e| CodegenError(format!("generated code does not parse: {e}")))?;
    install_crypto_provider_in_new(&mut file)?;
    decode_through_own_decoder(&mut file)?;
    urls_on_parsed_base(&mut file)?;
    reexport_shared_types(&mut file, &doc_schemas(&spec));
    check_method_names(&rows.present, &file)?;

    let contract = contract::render(flavour, &rows, &unused_fixups, &file);
    let flavour_row = table.flavour(flavour.name).expect("checked by prepare");
    Ok(Output {
        client: format!(
            "// Generated by mongodb-invitations-codegen from spec/{}.json. Do not edit.\n\n{}",
            flavour.name,
            prettyplease::unparse(&file)
        ),
        operations: operations::render(table, flavour_row, &rows),
        contract,
        unused_fixups,
        absent: rows.absent,
    })
}

/// The `ClientHooks` implementation every flavour shares. `pre`: each request carries its operation's real
/// `Accept` (and, with a body, `Content-Type`) from the operation table, and no `api-version` header (that
/// header is progenitor's convention, not MongoDB's). `exec`: the request goes through the client's
/// `transport::Transport`, which authenticates (Digest or service account) and retries per its policy.
fn hooks() -> proc_macro2::TokenStream {
    quote! {
        impl ClientHooks<transport::Transport> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &OperationInfo,
            ) -> std::result::Result<(), Error<E>> {
                let headers = request.headers_mut();
                headers.remove("api-version");
                // progenitor reports the method name, which is the operation's stable name.
                if let Some(op) = crate::operations::find(info.operation_id) {
                    let media = reqwest::header::HeaderValue::from_static(op.media_type);
                    if request.body().is_some() {
                        request.headers_mut().insert(reqwest::header::CONTENT_TYPE, media.clone());
                    }
                    request.headers_mut().insert(reqwest::header::ACCEPT, media);
                }
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                _info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                // An enveloped answer is unwrapped here, before the generated code decodes it, so the real
                // status picks the success or error type and every header stays.
                let enveloped = transport::envelope::requested(&request);
                let response = self.inner.execute(request).await?;
                if enveloped {
                    // Boxed: only an enveloped call needs this future; inline it would grow every call's.
                    Box::pin(transport::envelope::unwrap(response, crate::operations::ENVELOPE_FIELD)).await
                } else {
                    Ok(response)
                }
            }
        }

        /// Decodes a JSON answer; codegen routes every `ResponseValue::from_response` progenitor emits here.
        /// The same result as progenitor's, with three differences: the body is checked as UTF-8 once and
        /// decoded as text (from bytes, serde_json checks each string on its own); the headers are moved,
        /// not copied; and a final 401 whose authentication the transport classified comes back whole, as
        /// `UnexpectedResponse`, so the reason in its extensions reaches the caller whatever the body is.
        async fn decode_response<T: serde::de::DeserializeOwned, E>(
            mut response: reqwest::Response,
        ) -> std::result::Result<ResponseValue<T>, Error<E>> {
            if response.extensions().get::<transport::AuthFailure>().is_some() {
                return Err(Error::UnexpectedResponse(response));
            }
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
            let decoded = match std::str::from_utf8(&full) {
                Ok(text) => serde_json::from_str(text),
                // Not UTF-8: decoding the bytes gives serde_json's own error, saying where.
                Err(_) => serde_json::from_slice(&full),
            };
            match decoded {
                Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
                Err(e) => Err(Error::InvalidResponsePayload(full, e)),
            }
        }

        impl Client {
            /// A client for `baseurl` (scheme, host and port; the API prefix is part of each path) that
            /// sends every request through `transport`, sharing its HTTP connection pool.
            pub fn with_transport(baseurl: &str, transport: transport::Transport) -> Self {
                Self::new_with_client(baseurl, transport.http_client().clone(), transport)
            }

            /// The transport this client sends through (for its counters, say).
            pub fn transport(&self) -> &transport::Transport {
                &self.inner
            }
        }
    }
}

/// The schema names of the fragment's components.
fn doc_schemas(spec: &openapiv3::OpenAPI) -> Vec<String> {
    spec.components
        .as_ref()
        .map(|c| c.schemas.keys().cloned().collect())
        .unwrap_or_default()
}

/// The shared types that replace this fragment's schemas are re-exported from the generated `types` module
/// under the schema's name, so `types::OrganizationInvitation` means the same in every flavour.
fn reexport_shared_types(file: &mut syn::File, schemas: &[String]) {
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
            && let Some((_, items)) = &mut m.content
        {
            for name in crate::REPLACED_SCHEMAS {
                if schemas.iter().any(|s| s == name) {
                    let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
                    items.push(syn::parse_quote! { pub use ::invitation_types::#ident; });
                }
            }
        }
    }
}

/// reqwest is built without a bundled crypto provider (the workspace picks rustls with `ring`, whose build is
/// far cheaper than the default), and progenitor's `Client::new` builds a `reqwest::Client` at once, which
/// panics when no provider is installed. Make `new` install `ring` first; installing twice is harmless.
fn install_crypto_provider_in_new(file: &mut syn::File) -> Result<(), CodegenError> {
    let statement: syn::Stmt = syn::parse_quote! {
        let _ = ::rustls::crypto::ring::default_provider().install_default();
    };
    for item in &mut file.items {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
        {
            for member in &mut imp.items {
                if let syn::ImplItem::Fn(f) = member
                    && f.sig.ident == "new"
                {
                    f.block.stmts.insert(0, statement);
                    return Ok(());
                }
            }
        }
    }
    Err(CodegenError(
        "progenitor emitted no `Client::new` to install the TLS provider in".into(),
    ))
}

/// Points every `ResponseValue::from_response(..)` call at the `decode_response` emitted beside the hooks.
/// A generated client without one means progenitor changed how it decodes: that must not pass unnoticed.
fn decode_through_own_decoder(file: &mut syn::File) -> Result<(), CodegenError> {
    use syn::visit_mut::VisitMut;
    struct Rewrite(usize);
    impl VisitMut for Rewrite {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            if let syn::Expr::Path(path) = &*call.func {
                let names: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                if names.ends_with(&["ResponseValue".to_string(), "from_response".to_string()]) {
                    *call.func = syn::parse_quote!(decode_response);
                    self.0 += 1;
                }
            }
        }
    }
    let mut rewrite = Rewrite(0);
    rewrite.visit_file_mut(file);
    if rewrite.0 == 0 {
        return Err(CodegenError(
            "progenitor emitted no `ResponseValue::from_response` to route through `decode_response`"
                .into(),
        ));
    }
    Ok(())
}

/// Points every `self.client.<method>(url)` progenitor emits at `transport::request_url::request`, which
/// parses only the path of each request URL on a base parsed once, instead of the whole string. None found
/// means progenitor changed how it starts a request: that must not pass unnoticed either.
fn urls_on_parsed_base(file: &mut syn::File) -> Result<(), CodegenError> {
    use syn::visit_mut::VisitMut;
    struct Rewrite(usize);
    impl VisitMut for Rewrite {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            let method = match call.method.to_string().as_str() {
                "get" => quote!(GET),
                "post" => quote!(POST),
                "put" => quote!(PUT),
                "patch" => quote!(PATCH),
                "delete" => quote!(DELETE),
                "head" => quote!(HEAD),
                _ => return,
            };
            let on_client = matches!(
                &*call.receiver,
                syn::Expr::Field(f)
                    if matches!(&f.member, syn::Member::Named(m) if m == "client")
                        && matches!(&*f.base, syn::Expr::Path(p) if p.path.is_ident("self"))
            );
            if !on_client || call.args.len() != 1 {
                return;
            }
            let url = &call.args[0];
            *expr = syn::parse_quote! {
                transport::request_url::request(
                    &self.client,
                    reqwest::Method::#method,
                    &self.baseurl,
                    #url,
                )
            };
            self.0 += 1;
        }
    }
    let mut rewrite = Rewrite(0);
    rewrite.visit_file_mut(file);
    if rewrite.0 == 0 {
        return Err(CodegenError(
            "progenitor started no request with `self.client.<method>(url)` to build on a parsed base"
                .into(),
        ));
    }
    Ok(())
}

/// The hooks find an operation's media type by the method name progenitor reports; make sure every row's
/// stable name is a method that exists, or the vendor media type would silently not be sent.
fn check_method_names(rows: &[crate::OperationRow], file: &syn::File) -> Result<(), CodegenError> {
    let methods = contract::client_methods(file);
    for row in rows {
        if !methods.iter().any(|m| m.ident == row.name) {
            return Err(CodegenError(format!(
                "operation {} has no generated method `{}`",
                row.operation_id, row.name
            )));
        }
    }
    Ok(())
}
