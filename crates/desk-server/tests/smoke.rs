//! The shortest path through the API, and a restart on the same data.

use desk_testkit::Cast;

#[tokio::test]
async fn ticket_survives_restart() -> anyhow::Result<()> {
    let mut cast = Cast::new().await?;
    let t = cast
        .alice
        .create_ticket("telephony-down", "Не працює телефонія", "Гудки і тиша")
        .await?;
    assert_eq!(t.number, 1);
    cast.server.restart().await?;
    let base = cast.server.base.clone();
    let alice = cast.alice.clone().with_base(&base);
    let again: desk_domain::Ticket = alice.get_json(&format!("/api/v1/tickets/{}", t.id)).await?;
    assert_eq!(again, t);
    Ok(())
}
