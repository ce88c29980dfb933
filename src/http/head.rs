//! `HEAD` answered wherever `GET` is, as PeerTube's Express routers do: link checkers, `curl -I`
//! and players probing a file's size got a 404 from routes declared for `GET` only.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::Bytes;

/// Routes a `HEAD` request as the `GET` it stands for. Both HTTP/1 and HTTP/2 remember the
/// method they parsed and send no body for it, so the answer's headers (`Content-Length`
/// included) are the `GET`'s; the body is swapped for one of the same announced size that
/// yields nothing, so a file is not read only to be thrown away.
pub async fn as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, NoBody>>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let res = next.call(req).await?;
    Ok(res.map_body(|_, body| {
        if head {
            EitherBody::right(NoBody(body.size()))
        } else {
            EitherBody::left(body)
        }
    }))
}

/// A body that announces a size and has no bytes: what a `HEAD` answer carries.
pub struct NoBody(BodySize);

impl MessageBody for NoBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}
