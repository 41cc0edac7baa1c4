//! The gRPC surface as Terraform sees it, exercised with a plain gRPC client against the real
//! binary (plaintext, as with TF_DISABLE_PLUGIN_TLS): health, schema, capabilities, RPCs we do not
//! offer, and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tfplugin::proto::{health, plugin, tfplugin6 as pb};
use tonic::transport::{Channel, Endpoint, Uri};

use crate::harness::provider_binary;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

async fn channel(socket: String) -> Channel {
    Endpoint::try_from("http://plugin.invalid")
        .unwrap()
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(socket).await?,
                ))
            }
        }))
        .await
        .unwrap()
}

#[test]
fn health_schema_unimplemented_and_shutdown() {
    let mut child = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields[2], "unix", "{line}");
    assert_eq!(fields[5], "", "no certificate without AutoMTLS: {line}");
    let socket = fields[3].to_string();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ch = channel(socket.clone()).await;

        let mut h = health::health_client::HealthClient::new(ch.clone());
        let status = h
            .check(health::HealthCheckRequest {
                service: "plugin".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(
            status,
            health::health_check_response::ServingStatus::Serving as i32
        );

        let mut p = pb::provider_client::ProviderClient::new(ch.clone())
            .max_decoding_message_size(256 << 20);
        let schema = p
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .unwrap()
            .into_inner();
        assert!(schema.resource_schemas.contains_key("multicloud_psk"));
        assert!(
            schema
                .data_source_schemas
                .contains_key("multicloud_cidr_plan")
        );
        assert!(schema.server_capabilities.unwrap().plan_destroy);
        let psk = &schema.resource_schemas["multicloud_psk"];
        let result = psk
            .block
            .as_ref()
            .unwrap()
            .attributes
            .iter()
            .find(|a| a.name == "result")
            .unwrap();
        assert!(result.sensitive && result.computed);

        // Functions are listed; RPCs we lack answer Unimplemented: never a crash.
        let functions = p
            .get_functions(pb::get_functions::Request {})
            .await
            .unwrap()
            .into_inner();
        let f = &functions.functions["failover_seconds"];
        assert_eq!(f.parameters.len(), 4);
        assert_eq!(f.r#return.as_ref().unwrap().r#type, b"\"number\"".to_vec());
        let wrong = p
            .call_function(pb::call_function::Request {
                name: "failover_seconds".into(),
                arguments: vec![],
            })
            .await
            .unwrap()
            .into_inner();
        assert!(wrong.error.unwrap().text.contains("takes 4 arguments"));
        let err = p
            .validate_state_store_config(pb::validate_state_store::Request::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unimplemented);
        let unknown_ephemeral = p
            .validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request {
                type_name: "multicloud_nope".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            unknown_ephemeral.diagnostics[0]
                .summary
                .contains("Unknown ephemeral resource type")
        );
        let unknown = p
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: "multicloud_nope".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            unknown.diagnostics[0]
                .summary
                .contains("Unknown resource type")
        );

        // Garbage on the wire is a diagnostic, not a dead plugin.
        let garbage = p
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: "multicloud_psk".into(),
                proposed_new_state: Some(pb::DynamicValue {
                    msgpack: vec![0xc1, 0xff, 0x00],
                    json: vec![],
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(!garbage.diagnostics.is_empty());
        assert!(
            h.check(health::HealthCheckRequest {
                service: "plugin".into()
            })
            .await
            .is_ok()
        );

        let mut c = plugin::grpc_controller_client::GrpcControllerClient::new(ch);
        c.shutdown(plugin::Empty {}).await.unwrap();
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after Shutdown: {status}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "still running 3 s after Shutdown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !std::path::Path::new(&socket).exists(),
        "socket file left behind"
    );
}
