//! `opsclock sms test PHONE [TEXT]`: one message through the configured gateway, now.

use std::sync::Arc;

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::sms::{self, settings::SmsSettings};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// Sends one message to PHONE through `[sms]`'s gateway and prints the gateway's answer
    /// (for setting the gateway up). Audited as `sms.test`; not queued in the outbox.
    Test {
        /// The number: 13800138000, +86 138 0013 8000, or +447700900123 abroad.
        phone: String,
        /// The text [default: a short Chinese test message].
        text: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn run(cmd: SmsCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        SmsCommand::Test { phone, text, database } => {
            let settings = SmsSettings::from_config(&config.sms)?;
            let Some(gateway) = settings.gateway.clone() else {
                anyhow::bail!("[sms] provider is not set in the config file: there is no gateway to send through");
            };
            let provider = gateway.provider();
            let outbound = crate::app::outbound::Outbound::from_config(&config.outbound)?;
            let time: Arc<dyn crate::time::TimeSource> = Arc::new(crate::time::SystemTime);
            let transport = sms::sender::transport(&settings, gateway, &outbound, time.clone())?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            let text = text.unwrap_or_else(|| sms::TEST_TEXT.to_owned());
            let segments = sms::text::segments(&text);
            let by = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
            let a = sms::send_test(&db, &transport, &by, &phone, &text, time.now()).await?;
            println!(
                "{provider}: {} ({} segment(s), {} {:?} units)",
                if a.ok {
                    "accepted"
                } else if a.permanent {
                    "refused"
                } else {
                    "failed for now"
                },
                segments.count,
                segments.units,
                segments.encoding
            );
            println!("gateway answered: {}", a.response);
            if !a.ok {
                anyhow::bail!("the gateway did not accept the message");
            }
            Ok(())
        }
    }
}
