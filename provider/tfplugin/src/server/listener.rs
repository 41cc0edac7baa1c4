//! Where Terraform connects: a unix socket (as Go plugins do on Linux), or 127.0.0.1 within
//! `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` when `MULTICLOUD_PLUGIN_NETWORK=tcp` or unix sockets fail.
//! With AutoMTLS each connection finishes its TLS handshake in its own task before gRPC sees it;
//! a connection that does not present Terraform's certificate never reaches the provider.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::handshake::ListenAddr;

pub enum Bound {
    Unix(UnixListener, PathBuf),
    Tcp(TcpListener),
}

impl Bound {
    pub fn addr(&self) -> ListenAddr {
        match self {
            Bound::Unix(_, p) => ListenAddr::Unix(p.clone()),
            Bound::Tcp(l) => ListenAddr::Tcp(
                l.local_addr()
                    .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
            ),
        }
    }
}

pub fn bind() -> io::Result<Bound> {
    let want_tcp = std::env::var("MULTICLOUD_PLUGIN_NETWORK").is_ok_and(|v| v == "tcp");
    if !want_tcp {
        match bind_unix() {
            Ok(b) => return Ok(b),
            Err(e) => tracing::warn!(error = %e, "unix socket unavailable, falling back to TCP"),
        }
    }
    bind_tcp()
}

fn bind_unix() -> io::Result<Bound> {
    let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    for _ in 0..8 {
        let path = dir.join(format!("plugin{:016x}", rand::random::<u64>()));
        match UnixListener::bind(&path) {
            Ok(l) => return Ok(Bound::Unix(l, path)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no free socket name",
    ))
}

fn bind_tcp() -> io::Result<Bound> {
    let port = |name: &str, default: u16| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .unwrap_or(default)
    };
    let (min, max) = (
        port("PLUGIN_MIN_PORT", 10000),
        port("PLUGIN_MAX_PORT", 25000),
    );
    for p in min..=max {
        let std_listener = match std::net::TcpListener::bind(("127.0.0.1", p)) {
            Ok(l) => l,
            Err(_) => continue,
        };
        std_listener.set_nonblocking(true)?;
        return Ok(Bound::Tcp(TcpListener::from_std(std_listener)?));
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free port in {min}..={max} on 127.0.0.1"),
    ))
}

/// A connection as gRPC sees it: plain or TLS, unix or TCP.
pub struct Conn(Pin<Box<dyn Io>>);

trait Io: AsyncRead + AsyncWrite + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + 'static> Io for T {}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

/// Accepted (and, with TLS, authenticated) connections until shutdown.
pub fn incoming(
    bound: Bound,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: CancellationToken,
) -> ReceiverStream<io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = shutdown.cancelled() => break,
                a = accept(&bound) => a,
            };
            let stream = match accepted {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let tx = tx.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let conn = match acceptor {
                    None => Conn(stream),
                    Some(acc) => {
                        match tokio::time::timeout(Duration::from_secs(10), acc.accept(stream))
                            .await
                        {
                            Ok(Ok(tls_stream)) => Conn(Box::pin(tls_stream)),
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, "refused a connection: TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::warn!("refused a connection: TLS handshake timed out");
                                return;
                            }
                        }
                    }
                };
                let _ = tx.send(Ok(conn)).await;
            });
        }
    });
    ReceiverStream::new(rx)
}

type BoxedIo = Pin<Box<dyn Io>>;

async fn accept(bound: &Bound) -> io::Result<BoxedIo> {
    Ok(match bound {
        Bound::Unix(l, _) => Box::pin(l.accept().await?.0),
        Bound::Tcp(l) => {
            let (s, _) = l.accept().await?;
            let _ = s.set_nodelay(true);
            Box::pin(s)
        }
    })
}
