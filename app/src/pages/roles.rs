//! Admin: roles. System roles first, custom roles by name, with what each grants.

use leptos::prelude::*;

use crate::api;
use crate::components::feedback::Loaded;
use crate::components::require_sign_in::RequireSignIn;
use crate::io::load;

#[component]
pub fn Roles() -> impl IntoView {
    view! { <RequireSignIn admin=true><RolesPage /></RequireSignIn> }
}

#[component]
fn RolesPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let roles = load(move || {
        let q = search.get();
        async move { api::roles(&q).await }
    });
    view! {
        <section class="page-head">
            <h1>"Roles"</h1>
            <a href="/admin/roles/new" class="button">"New role"</a>
        </section>
        <input
            class="search"
            type="search"
            placeholder="Search roles"
            aria-label="Search roles"
            prop:value=move || search.get()
            on:input=move |ev| search.set(event_target_value(&ev))
        />
        <table class="table" data-testid="roles-table">
            <thead><tr><th>"Role"</th><th>"Description"</th><th>"Permissions"</th><th>"Members"</th></tr></thead>
            <tbody>
                <Loaded columns=4 view=move || roles.get().map(|list| list.map(|list| {
                        let mut items = list.items;
                        items.sort_by_key(|r| (!r.system, r.name.to_lowercase()));
                        items.into_iter().map(|role| view! {
                            <tr>
                                <td>
                                    <a href=format!("/admin/roles/{}", role.id)>{role.name.clone()}</a>
                                    {role.system.then(|| view! { <span class="badge system">"system"</span> })}
                                </td>
                                <td>{role.description.clone()}</td>
                                <td>{role.permissions.iter().map(|p| view! { <span class="badge">{p.label()}</span> }).collect_view()}</td>
                                <td>{role.member_ids.len()}</td>
                            </tr>
                        }).collect_view().into_any()
                    })) />
            </tbody>
        </table>
    }
}
