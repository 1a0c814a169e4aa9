using Npgsql;
using WaOrleans.Grains.Messages;
using WaOrleans.Grains.Sessions;
using WaOrleans.Grains.Storage.Sqlite;
using WaOrleans.Grains.Tests.Support;
using Xunit.Abstractions;

namespace WaOrleans.Grains.Tests.Sessions;

/// <summary>
/// How many transactions a send commits, counted by the database itself (SQLite's commit hook;
/// on PostgreSQL, the distinct transaction ids that wrote a row of the gateway's tables): the
/// message row rides with the Signal commit that encrypts it, so a send commits twice (row and
/// Signal state, then the ack's status and event), where it used to commit three times or more. A
/// media send too: its row is stored once the media is uploaded, with the content that names it.
/// </summary>
public sealed class SendCommitTests(ITestOutputHelper output)
{
    private const string Me = "15550109001";
    private const string Peer = "15550109002";
    private const int Sends = 5;

    [Fact]
    public async Task A_text_send_commits_its_row_with_the_signal_state_sqlite()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var storage = (SqliteStorage)harness.Storage;
        await AssertCommitsPerSendAsync(harness, () => Task.FromResult(storage.Commits));
    }

    [PostgresFact]
    public async Task A_text_send_commits_its_row_with_the_signal_state_postgres()
    {
        await using var harness = await GatewayHarness.StartAsync(postgres: true);
        await InstallTransactionCounterAsync(harness);
        await AssertCommitsPerSendAsync(harness, () => harness.ScalarAsync("SELECT COUNT(*) FROM tx_seen"));
    }

    [Fact]
    public async Task A_media_send_commits_its_row_with_the_signal_state_once_the_media_is_uploaded_sqlite()
    {
        await using var harness = await GatewayHarness.StartAsync();
        var storage = (SqliteStorage)harness.Storage;
        await AssertCommitsPerSendAsync(harness, () => Task.FromResult(storage.Commits), Image);
    }

    [PostgresFact]
    public async Task A_media_send_commits_its_row_with_the_signal_state_once_the_media_is_uploaded_postgres()
    {
        await using var harness = await GatewayHarness.StartAsync(postgres: true);
        await InstallTransactionCounterAsync(harness);
        await AssertCommitsPerSendAsync(harness, () => harness.ScalarAsync("SELECT COUNT(*) FROM tx_seen"), Image);
    }

    private async Task AssertCommitsPerSendAsync(GatewayHarness harness, Func<Task<long>> commits, Func<string, string?, SendMessageRequest>? message = null)
    {
        message ??= Text;
        var sessionId = "commits-" + Guid.NewGuid().ToString("N");
        var session = await harness.PairSessionAsync(sessionId, Me);
        await harness.Sim.CreatePhoneAsync(Peer);
        // The first send builds the Signal session from a bundle; the ones measured ratchet it.
        var first = await session.SendAsync(message("warm-up", null));
        await harness.WaitForInboxAsync(Peer, first.MessageId);

        long total = 0;
        var ids = new List<string>();
        for (var i = 0; i < Sends; i++)
        {
            var before = await commits();
            var sent = await session.SendAsync(message("counted " + i, "count-" + i));
            total += await commits() - before;
            Assert.Equal("sent", sent.Status);
            ids.Add(sent.MessageId);
        }

        output.WriteLine($"{total} commits for {Sends} sends");
        foreach (var id in ids)
        {
            await harness.WaitForInboxAsync(Peer, id);
        }

        // Row with Signal state, then status "sent" with its event: two per send (a stray
        // background write may land in the window, hence the slack of one per send at most).
        Assert.InRange(total, 2 * Sends, (3 * Sends) - 1);
        Assert.Equal(Sends + 1, await harness.ScalarAsync("SELECT COUNT(*) FROM events WHERE session_id = @s AND type = 'message.sent'", ("@s", sessionId)));

        // The idempotency key still dedupes, and the replay commits nothing.
        var again = await commits();
        var replay = await session.SendAsync(message("counted 0", "count-0"));
        Assert.True(replay.Replayed);
        Assert.Equal(ids[0], replay.MessageId);
        Assert.Equal(again, await commits());
    }

    private static SendMessageRequest Text(string text, string? key) =>
        new() { To = Peer, Content = new MessageContent { Kind = MessageKind.Text, Text = text }, IdempotencyKey = key };

    /// <summary>An image with <paramref name="caption"/>, its bytes differing per caption.</summary>
    private static SendMessageRequest Image(string caption, string? key) =>
        new()
        {
            To = Peer,
            Content = new MessageContent
            {
                Kind = MessageKind.Image,
                Text = caption,
                Media = new MediaSource { Data = System.Text.Encoding.UTF8.GetBytes(caption.PadRight(2048, '.')), FileName = "photo.jpg" },
            },
            IdempotencyKey = key,
        };

    /// <summary>
    /// Records the id of every transaction that writes a row of the harness's own schema (row
    /// triggers on every table): rolled back ones leave nothing, so the distinct ids are the commits.
    /// </summary>
    private static async Task InstallTransactionCounterAsync(GatewayHarness harness)
    {
        var connection = (NpgsqlConnection)await harness.Storage.OpenConnectionAsync();
        await using (connection)
        {
            await using var setup = new NpgsqlCommand(
                """
                CREATE TABLE tx_seen (xid bigint PRIMARY KEY);
                CREATE FUNCTION tx_seen_record() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO tx_seen VALUES (txid_current()) ON CONFLICT DO NOTHING; RETURN NULL; END $$;
                DO $$ DECLARE t text; BEGIN
                  FOR t IN SELECT table_name FROM information_schema.tables
                           WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'tx_seen' LOOP
                    EXECUTE format('CREATE TRIGGER tx_seen_%s AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION tx_seen_record()', t, t);
                  END LOOP;
                END $$;
                """,
                connection);
            await setup.ExecuteNonQueryAsync();
        }
    }
}
