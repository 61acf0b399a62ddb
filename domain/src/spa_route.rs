//! Which page of the SPA a path names: its route table, matched by hand (pure, so it is tested
//! with the rest of `domain`). leptos_router's `<Routes>` costs
//! several KB of wasm per route (each one's matcher, view chooser and rebuild code is its own
//! generic instance); one `match` over the path's segments does the same job for every route.

/// A page and what its path carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Page {
    /// `/`: the connections the person may use, or sign-in.
    Home,
    /// `/sign-in`.
    SignIn,
    /// `/admin/users`.
    Users,
    /// `/admin/roles`.
    Roles,
    /// `/admin/roles/:id`; the id `new` is a new role.
    Role(String),
    /// `/api-keys`: my bot keys.
    ApiKeys,
    /// `/notifications`.
    Notifications,
    /// `/admin/audit`.
    Audit,
    /// `/admin/api`: the API reference.
    ApiReference,
    /// `/admin/webhooks`.
    Webhooks,
    /// `/connections`: every connection.
    Connections,
    /// `/my-connections`: my user-specific tokens.
    MyConnections,
    /// `/connections/new`: the wizard.
    NewConnection,
    /// `/connections/:id`.
    Connection(String),
    /// `/connections/:id/edit`: the wizard over a saved connection.
    EditConnection(String),
    /// Any other path.
    NotFound,
}

impl Page {
    /// The page at `path` (a location's pathname, without query or fragment). Empty segments are
    /// skipped, so a trailing slash names the same page.
    pub fn at(path: &str) -> Page {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [] => Page::Home,
            ["sign-in"] => Page::SignIn,
            ["admin", "users"] => Page::Users,
            ["admin", "roles"] => Page::Roles,
            ["admin", "roles", id] => Page::Role(id.to_string()),
            ["admin", "audit"] => Page::Audit,
            ["admin", "api"] => Page::ApiReference,
            ["admin", "webhooks"] => Page::Webhooks,
            ["api-keys"] => Page::ApiKeys,
            ["notifications"] => Page::Notifications,
            ["connections"] => Page::Connections,
            ["my-connections"] => Page::MyConnections,
            ["connections", "new"] => Page::NewConnection,
            ["connections", id] => Page::Connection(id.to_string()),
            ["connections", id, "edit"] => Page::EditConnection(id.to_string()),
            _ => Page::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn every_route_is_matched() {
        let cases = [
            ("/", Page::Home),
            ("/sign-in", Page::SignIn),
            ("/admin/users", Page::Users),
            ("/admin/roles", Page::Roles),
            ("/admin/roles/new", Page::Role("new".into())),
            ("/admin/roles/r1", Page::Role("r1".into())),
            ("/admin/audit", Page::Audit),
            ("/admin/api", Page::ApiReference),
            ("/admin/webhooks", Page::Webhooks),
            ("/api-keys", Page::ApiKeys),
            ("/notifications", Page::Notifications),
            ("/connections", Page::Connections),
            ("/connections/", Page::Connections),
            ("/my-connections", Page::MyConnections),
            ("/connections/new", Page::NewConnection),
            ("/connections/c1", Page::Connection("c1".into())),
            ("/connections/c1/edit", Page::EditConnection("c1".into())),
        ];
        for (path, page) in cases {
            assert_eq!(Page::at(path), page, "{path}");
        }
    }

    #[test]
    fn anything_else_is_not_found() {
        for path in ["/admin", "/connections/c1/other", "/nope", "/admin/roles/r1/x", "/sign-in/x"] {
            assert_eq!(Page::at(path), Page::NotFound, "{path}");
        }
    }
}
