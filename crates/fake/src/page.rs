//! The query of the successor's user lists and the page `{results, totalCount, links}` they answer.

use serde_json::{Value, json};

use crate::api_error::{ApiFailure, FieldViolation};
use crate::members::Member;

/// Values `orgMembershipStatus(es)` may name (the fake gives only `PENDING` and `ACTIVE`).
const STATUSES: [&str; 4] = [
    "PENDING",
    "ACTIVE",
    "INVITATION_EXPIRED",
    "INVITATION_REJECTED",
];
/// `itemsPerPage` bounds and default, from the fragment's `itemsPerPage` parameter.
const MAX_ITEMS_PER_PAGE: usize = 500;
const DEFAULT_ITEMS_PER_PAGE: usize = 100;

/// What a list request asks for, checked.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ListQuery {
    username: Option<String>,
    /// `None`: every status.
    statuses: Option<Vec<String>>,
    items_per_page: usize,
    page_num: usize,
    include_count: bool,
}

/// Which list: the project list also takes `includeOrgUsers` and `flattenTeams`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListOf {
    OrgUsers,
    ProjectUsers,
}

impl ListQuery {
    /// Reads the query string. A bad value is a 400 `VALIDATION_ERROR` naming the parameter in
    /// `badRequestDetail.fields`, as the fake answers a bad path id. Parameters it does not know are
    /// ignored.
    pub(crate) fn read(raw: Option<&str>, list: ListOf) -> Result<ListQuery, ApiFailure> {
        let mut query = ListQuery {
            username: None,
            statuses: None,
            items_per_page: DEFAULT_ITEMS_PER_PAGE,
            page_num: 1,
            include_count: true,
        };
        let mut problems = Vec::new();
        let mut bad = |name: &str, what: String| problems.push(FieldViolation::new(name, what));
        for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match &*name {
                "itemsPerPage" => match value.parse::<usize>() {
                    Ok(n) if (1..=MAX_ITEMS_PER_PAGE).contains(&n) => query.items_per_page = n,
                    _ => bad(
                        &name,
                        format!("`{value}` is not a whole number from 1 to {MAX_ITEMS_PER_PAGE}"),
                    ),
                },
                "pageNum" => match value.parse::<usize>() {
                    Ok(n) if n >= 1 => query.page_num = n,
                    _ => bad(&name, format!("`{value}` is not a whole number from 1")),
                },
                "includeCount" => match boolean(&value) {
                    Some(flag) => query.include_count = flag,
                    None => bad(&name, format!("`{value}` is not true or false")),
                },
                // Accepted and checked; the fake has no team-held project roles for them to change.
                "includeOrgUsers" | "flattenTeams" if list == ListOf::ProjectUsers => {
                    match boolean(&value) {
                        Some(_) => {}
                        None => bad(&name, format!("`{value}` is not true or false")),
                    }
                }
                "username" => query.username = Some(value.into_owned()),
                "orgMembershipStatus" | "orgMembershipStatuses" => {
                    let statuses = query.statuses.get_or_insert_with(Vec::new);
                    for status in value.split(',') {
                        if STATUSES.contains(&status) {
                            statuses.push(status.to_owned());
                        } else {
                            bad(
                                &name,
                                format!("`{status}` is not one of {}", STATUSES.join(", ")),
                            );
                        }
                    }
                    if name == "orgMembershipStatuses" && statuses.len() > STATUSES.len() {
                        bad(&name, format!("at most {} statuses", STATUSES.len()));
                    }
                }
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(query)
        } else {
            Err(ApiFailure::validation(problems))
        }
    }

    /// Whether a user passes the `username` and status filters.
    pub(crate) fn wants(&self, member: Member<'_>) -> bool {
        self.username
            .as_deref()
            .is_none_or(|u| member.username().eq_ignore_ascii_case(u))
            && self
                .statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == member.status()))
    }

    /// The page of `items` asked for. `url` is the absolute URL of the list without its query; `raw`
    /// the request's query, kept in the links with `itemsPerPage` and `pageNum` set. `endless`: every
    /// page is full (cycling through `items`), has a `next` link and no `totalCount`.
    pub(crate) fn page(
        &self,
        items: &[Value],
        url: &str,
        raw: Option<&str>,
        endless: bool,
    ) -> Value {
        let size = self.items_per_page;
        let start = (self.page_num - 1).saturating_mul(size);
        let results: Vec<Value> = if endless {
            match items.len() {
                0 => Vec::new(),
                len => (0..size)
                    .map(|k| items[(start % len + k) % len].clone())
                    .collect(),
            }
        } else {
            items.iter().skip(start).take(size).cloned().collect()
        };
        let more = endless || start.saturating_add(size) < items.len();
        let link = |page: usize, rel: &str| json!({ "href": format!("{url}?{}", with_page(raw, size, page)), "rel": rel });
        let mut links = vec![link(self.page_num, "self")];
        if self.page_num > 1 {
            links.push(link(self.page_num - 1, "previous"));
        }
        if more {
            links.push(link(self.page_num + 1, "next"));
        }
        let mut page = json!({ "results": results, "links": links });
        if self.include_count && !endless {
            page["totalCount"] = json!(items.len());
        }
        page
    }
}

/// `true` / `false`, in any case.
fn boolean(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// The query `raw` with `itemsPerPage` and `pageNum` replaced.
fn with_page(raw: Option<&str>, size: usize, page: usize) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if name != "itemsPerPage" && name != "pageNum" {
            out.append_pair(&name, &value);
        }
    }
    out.append_pair("itemsPerPage", &size.to_string());
    out.append_pair("pageNum", &page.to_string());
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(failure: ApiFailure) -> Vec<String> {
        failure.fields.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn defaults_and_bad_values_are_named() {
        let query = ListQuery::read(None, ListOf::OrgUsers).expect("defaults");
        assert_eq!(
            (query.items_per_page, query.page_num, query.include_count),
            (100, 1, true)
        );
        for (raw, field) in [
            ("itemsPerPage=0", "itemsPerPage"),
            ("itemsPerPage=501", "itemsPerPage"),
            ("itemsPerPage=ten", "itemsPerPage"),
            ("pageNum=0", "pageNum"),
            ("includeCount=yes", "includeCount"),
            ("orgMembershipStatus=GONE", "orgMembershipStatus"),
            (
                "orgMembershipStatuses=PENDING,NOPE",
                "orgMembershipStatuses",
            ),
            ("flattenTeams=1", "flattenTeams"),
        ] {
            let refused = ListQuery::read(Some(raw), ListOf::ProjectUsers).expect_err(raw);
            assert_eq!(refused.code, "VALIDATION_ERROR");
            assert_eq!(fields(refused), vec![field.to_owned()], "{raw}");
        }
        let ok = ListQuery::read(
            Some("orgMembershipStatuses=PENDING&orgMembershipStatuses=ACTIVE&itemsPerPage=500&includeCount=FALSE"),
            ListOf::OrgUsers,
        )
        .expect("valid");
        assert_eq!(ok.statuses, Some(vec!["PENDING".into(), "ACTIVE".into()]));
        assert_eq!(ok.items_per_page, 500);
        assert!(!ok.include_count);
    }

    #[test]
    fn pages_link_to_their_neighbours_and_endless_pages_cycle() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let query = ListQuery::read(
            Some("username=a%40b.c&itemsPerPage=2&pageNum=2"),
            ListOf::OrgUsers,
        )
        .expect("valid");
        let page = query.page(
            &items,
            "http://h/x",
            Some("username=a%40b.c&itemsPerPage=2&pageNum=2"),
            false,
        );
        assert_eq!(
            page,
            json!({
                "results": [2, 3],
                "totalCount": 5,
                "links": [
                    {"href": "http://h/x?username=a%40b.c&itemsPerPage=2&pageNum=2", "rel": "self"},
                    {"href": "http://h/x?username=a%40b.c&itemsPerPage=2&pageNum=1", "rel": "previous"},
                    {"href": "http://h/x?username=a%40b.c&itemsPerPage=2&pageNum=3", "rel": "next"},
                ],
            })
        );
        let last =
            ListQuery::read(Some("itemsPerPage=2&pageNum=3"), ListOf::OrgUsers).expect("valid");
        let page = last.page(&items, "http://h/x", None, false);
        assert_eq!(page["results"], json!([4]));
        assert_eq!(page["links"].as_array().map(Vec::len), Some(2));
        let endless = last.page(&items, "http://h/x", None, true);
        assert_eq!(endless["results"], json!([4, 0]));
        assert!(endless.get("totalCount").is_none());
        assert_eq!(endless["links"][2]["rel"], "next");
    }
}
