//! Discovery (OpenID Connect Discovery, then RFC 8414): fetch an issuer's metadata through the
//! outbound client (`http.rs`: the URL rule before every fetch, no redirects, a deadline) with a
//! size cap of its own, and let `domain::discovery` judge what it says.

use domain::discovery::{self, Discovered, DiscoveryFailure, Metadata};
use oauth2::http::{Method, Request, header};

use super::http::{self, HttpError};

/// Fetch and judge `issuer`'s metadata (the issuer already passed `domain::discovery::issuer`).
/// The OpenID document is asked first; the RFC 8414 one when the first gave nothing usable. A
/// document that answers is judged as it is: a mismatching issuer is not retried elsewhere.
pub async fn discover(issuer: &str, limits: http::Outbound) -> Result<Discovered, DiscoveryFailure> {
    // The most telling failure of the two locations: one that answered beats one that did not.
    let mut failure = DiscoveryFailure::NotReachable;
    let rank = |f: DiscoveryFailure| match f {
        DiscoveryFailure::NotReachable => 0,
        DiscoveryFailure::NoMetadata => 1,
        _ => 2,
    };
    for location in discovery::locations(issuer) {
        let found = match fetch(&location, limits).await {
            Ok(metadata) => return discovery::decide(issuer, metadata, &location, limits.policy),
            Err(f) => f,
        };
        if found == DiscoveryFailure::RefusedAddress {
            return Err(found);
        }
        if rank(found) > rank(failure) {
            failure = found;
        }
    }
    Err(failure)
}

async fn fetch(location: &str, limits: http::Outbound) -> Result<Metadata, DiscoveryFailure> {
    let request = Request::builder()
        .method(Method::GET)
        .uri(location)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| DiscoveryFailure::RefusedAddress)?;
    let response = http::send(request, limits).await.map_err(|e| match e {
        HttpError::Refused(_) => DiscoveryFailure::RefusedAddress,
        HttpError::TooLarge => DiscoveryFailure::TooLarge,
        other => {
            worker::console_warn!("discovery at {location}: {other}");
            DiscoveryFailure::NotReachable
        }
    })?;
    if response.status() != 200 {
        return Err(DiscoveryFailure::NoMetadata);
    }
    if response.body().len() > discovery::DOCUMENT_MAX_BYTES {
        return Err(DiscoveryFailure::TooLarge);
    }
    serde_json::from_slice::<Metadata>(response.body()).map_err(|_| DiscoveryFailure::NotJson)
}
