//! A cursor-paged list for pages: the first page replaces, "Load more" appends.

use domain::api::ListResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Send + Sync + 'static> Paged<T> {
    pub fn new() -> Self {
        Paged { items: RwSignal::new(Vec::new()), next: RwSignal::new(None), error: RwSignal::new(None) }
    }

    /// Fetch the page after `cursor` (the first page when `None`) and show it.
    pub fn load<Fut>(self, cursor: Option<String>, fetch: impl FnOnce(String) -> Fut + 'static)
    where
        Fut: std::future::Future<Output = Result<ListResponse<T>, ApiError>> + 'static,
    {
        spawn_local(async move {
            match fetch(cursor.clone().unwrap_or_default()).await {
                Ok(page) => {
                    if cursor.is_some() {
                        self.items.update(|i| i.extend(page.items));
                    } else {
                        self.items.set(page.items);
                    }
                    self.next.set(page.next_cursor);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e.message())),
            }
        });
    }
}

/// "Load more", shown while the list has a next page.
#[component]
pub fn LoadMore(next: RwSignal<Option<String>>, on_more: Callback<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="secondary load-more" on:click=move |_| on_more.run(next.get_untracked())>
                "Load more"
            </button>
        </Show>
    }
}
