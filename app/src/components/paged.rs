//! A cursor-paged list: the first page is a resource that follows whatever its fetch reads (the
//! filters), and "Load more" is a write that appends the next page.

use std::future::Future;

use domain::api::ListResponse;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::feedback::Outcome;
use crate::io::{Fetch, Write, load, write};

type Page<T> = Result<ListResponse<T>, ApiError>;

pub struct Paged<T: Send + Sync + 'static> {
    first: Fetch<Page<T>>,
    /// What "Load more" added since the first page loaded, and the cursor after it.
    more: RwSignal<Option<(Vec<T>, Option<String>)>>,
    load_more: Write,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Clone + Send + Sync + 'static> Paged<T> {
    /// `fetch(cursor)` gets the page after `cursor` (the first when empty); the signals it reads
    /// before its future starts are the filters: a change loads the first page again.
    pub fn new<Fut>(fetch: impl Fn(String) -> Fut + Copy + 'static) -> Self
    where
        Fut: Future<Output = Page<T>> + 'static,
    {
        let more = RwSignal::new(None::<(Vec<T>, Option<String>)>);
        let first = load(move || {
            let page = fetch(String::new());
            async move {
                let page = page.await;
                more.set(None);
                page
            }
        });
        let load_more = write(move || {
            let cursor = untrack(|| next(first, more)).unwrap_or_default();
            let page = untrack(|| fetch(cursor));
            async move {
                let page = page.await.map_err(|e| e.message())?;
                more.update(|m| {
                    let items = m.get_or_insert_with(|| (Vec::new(), None));
                    items.0.extend(page.items);
                    items.1 = page.next_cursor;
                });
                Ok(String::new())
            }
        });
        Paged { first, more, load_more }
    }

    /// Every row loaded so far; `None` until the first page answers.
    pub fn items(self) -> Option<Result<Vec<T>, ApiError>> {
        let first = self.first.get()?;
        Some(first.map(|page| {
            let mut items = page.items;
            self.more.with(|m| items.extend(m.iter().flat_map(|(more, _)| more.iter().cloned())));
            items
        }))
    }

    /// The first page again (after a change).
    pub fn reload(self) {
        self.first.refetch();
    }
}

/// The cursor after what is loaded, if there is more.
fn next<T: Clone + Send + Sync + 'static>(
    first: Fetch<Page<T>>,
    more: RwSignal<Option<(Vec<T>, Option<String>)>>,
) -> Option<String> {
    match more.with(|m| m.as_ref().map(|(_, next)| next.clone())) {
        Some(next) => next,
        None => first.get().and_then(Result::ok).and_then(|page| page.next_cursor),
    }
}

/// "Load more", shown while the list has a next page, and why it failed if it did.
#[component]
pub fn LoadMore<T: Clone + Send + Sync + 'static>(paged: Paged<T>) -> impl IntoView {
    let failed = Signal::derive(move || paged.load_more.value().get().filter(Result::is_err));
    let more = move || next(paged.first, paged.more).is_some();
    view! {
        <Outcome said=failed />
        <Show when=more>
            <button type="button" class="secondary load-more" disabled=paged.load_more.pending() on:click=move |_| { paged.load_more.dispatch(()); }>
                "Load more"
            </button>
        </Show>
    }
}
