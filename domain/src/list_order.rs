//! The order of the connection list (`GET /api/v1/connections?sort=&dir=`) and its keyset cursor.
//! The list is paged, so it is sorted by the server: every page continues after the last row of
//! the one before, by the sort key and then by name (names are unique, so the order is total).

use crate::connection::ConnectionStatus;

crate::text_enum! {
    /// What the connection list is sorted by.
    pub enum ConnectionSort {
        /// Name, case-insensitively (the default).
        Name = "name",
        /// Provider kind.
        Provider = "provider",
        /// Status, those needing attention first (`ConnectionStatus::attention_rank`).
        Status = "status",
        /// Time of the last change to the connection itself.
        Updated = "updated",
    }
}

crate::text_enum! {
    /// Ascending or descending.
    pub enum SortDirection {
        /// Smallest first (A to Z, oldest first).
        Asc = "asc",
        /// Largest first (Z to A, newest first).
        Desc = "desc",
    }
}

impl ConnectionSort {
    /// The direction a column starts in when first chosen: newest first for `updated`.
    pub fn first_direction(self) -> SortDirection {
        match self {
            ConnectionSort::Updated => SortDirection::Desc,
            _ => SortDirection::Asc,
        }
    }

    /// Whether the sort key is a number (rank, time) rather than text.
    pub fn numeric(self) -> bool {
        matches!(self, ConnectionSort::Status | ConnectionSort::Updated)
    }
}

impl SortDirection {
    /// The other direction.
    pub fn flipped(self) -> SortDirection {
        match self {
            SortDirection::Asc => SortDirection::Desc,
            SortDirection::Desc => SortDirection::Asc,
        }
    }
}

impl ConnectionStatus {
    /// Where a status sorts: needing re-authorization first, then not tested, then ready.
    pub fn attention_rank(self) -> i64 {
        match self {
            ConnectionStatus::NeedsReauth => 0,
            ConnectionStatus::Draft => 1,
            ConnectionStatus::Ready => 2,
        }
    }
}

/// The value of a row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    /// Name key or provider kind.
    Text(String),
    /// Status rank or update time.
    Number(i64),
}

/// Where the next page starts: after the row with this sort value and name key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCursor {
    /// The last row's sort key.
    pub value: SortValue,
    /// The last row's name key (the tie-breaker).
    pub name_key: String,
}

/// Between the sort value and the name key; neither a provider kind nor a number holds it.
const SEPARATOR: char = '~';

impl ListCursor {
    /// The opaque `next_cursor` text for a list sorted by `sort` (by name, the value is the name
    /// key and is written once).
    pub fn encode(&self, sort: ConnectionSort) -> String {
        match (&self.value, sort) {
            (_, ConnectionSort::Name) => format!("{SEPARATOR}{}", self.name_key),
            (SortValue::Text(text), _) => format!("{text}{SEPARATOR}{}", self.name_key),
            (SortValue::Number(n), _) => format!("{n}{SEPARATOR}{}", self.name_key),
        }
    }

    /// A cursor made by `encode` for the same sort; `None` for anything else.
    pub fn decode(sort: ConnectionSort, text: &str) -> Option<ListCursor> {
        let (value, name_key) = match sort {
            // A name key may itself hold the separator: it is all that follows the first one.
            ConnectionSort::Name => text.strip_prefix(SEPARATOR).map(|name| (name, name))?,
            _ => text.split_once(SEPARATOR)?,
        };
        let value = if sort.numeric() { SortValue::Number(value.parse().ok()?) } else { SortValue::Text(value.into()) };
        Some(ListCursor { value, name_key: name_key.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_for_every_sort() {
        let cases = [
            (ConnectionSort::Name, SortValue::Text("crm ~ sync".into()), "crm ~ sync"),
            (ConnectionSort::Name, SortValue::Text("~".into()), "~"),
            (ConnectionSort::Provider, SortValue::Text("salesforce".into()), "crm ~ sync"),
            (ConnectionSort::Status, SortValue::Number(2), "a"),
            (ConnectionSort::Updated, SortValue::Number(1_700_000_000), "z~"),
        ];
        for (sort, value, name_key) in cases {
            let cursor = ListCursor { value, name_key: name_key.into() };
            assert_eq!(ListCursor::decode(sort, &cursor.encode(sort)), Some(cursor), "{sort}");
        }
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert_eq!(ListCursor::decode(ConnectionSort::Updated, "salesforce~a"), None);
        assert_eq!(ListCursor::decode(ConnectionSort::Status, "no separator"), None);
        assert_eq!(ListCursor::decode(ConnectionSort::Name, "no separator"), None);
    }

    #[test]
    fn attention_first_and_newest_first() {
        let mut statuses = ConnectionStatus::ALL.to_vec();
        statuses.sort_by_key(|s| s.attention_rank());
        assert_eq!(statuses, [ConnectionStatus::NeedsReauth, ConnectionStatus::Draft, ConnectionStatus::Ready]);
        assert_eq!(ConnectionSort::Updated.first_direction(), SortDirection::Desc);
        assert_eq!(ConnectionSort::Name.first_direction(), SortDirection::Asc);
        assert_eq!(SortDirection::Asc.flipped(), SortDirection::Desc);
    }
}
