using WaOrleans.Protocol.Binary;

namespace WaOrleans.Simulator;

/// <summary>Client iqs: replies to server iqs, and the queries a logged-in client makes (PROTOCOL.md §10.2 step 3, §9.5).</summary>
internal sealed partial class SimConnection
{
    private async Task HandleIqAsync(Node iq, CancellationToken cancellationToken)
    {
        var type = iq.GetAttr("type");
        if (type is "result" or "error")
        {
            if (iq.GetAttr("id") is { } id && _pendingIqs.TryRemove(id, out var pending))
            {
                pending.TrySetResult(iq);
            }

            return;
        }

        var reply = iq.GetAttr("xmlns") switch
        {
            "md" => await HandleMdIqAsync(iq, cancellationToken).ConfigureAwait(false),
            "encrypt" when Device is not null => HandleEncryptIq(iq, Device),
            "usync" => _server.AnswerUsync(iq),
            "w:m" when iq.GetChild("media_conn") is not null => _server.AnswerMediaConn(iq),
            "w:g2" when Device is not null => _server.AnswerGroupIq(Device, iq),
            "abt" => Stanza.Result(iq, Stanza.Make("props", default, ("protocol", "1"))),
            "blocklist" => Stanza.Result(iq, Stanza.Make("list")),
            "privacy" when type == "get" => Stanza.Result(iq, PrivacySettings()),
            // passive/active, w:p pings and everything the simulator does not model get an empty result.
            _ => Stanza.Result(iq),
        };
        if (reply is not null)
        {
            await SendNodeAsync(reply, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Node?> HandleMdIqAsync(Node iq, CancellationToken cancellationToken)
    {
        if (iq.GetChild("link_code_companion_reg") is { } linkCode)
        {
            return HandleLinkCode(iq, linkCode);
        }

        if (iq.GetChild("remove-companion-device") is not null && Device is { } device)
        {
            // The companion logs itself out: answer, then forget it as the phone would after an unlink.
            await SendNodeAsync(Stanza.Result(iq), cancellationToken).ConfigureAwait(false);
            await _server.UnlinkAsync(device).ConfigureAwait(false);
            return null;
        }

        return Stanza.Result(iq);
    }

    private Node HandleEncryptIq(Node iq, SimDevice device)
    {
        if (iq.GetAttr("type") == "get")
        {
            if (iq.GetChild("count") is not null)
            {
                int count;
                lock (_server.State.Sync)
                {
                    count = device.PreKeys.Count;
                }

                return Stanza.Result(iq, Stanza.Make("count", default, ("value", Stanza.Number(count))));
            }

            if (iq.GetChild("digest") is not null)
            {
                // Baileys only checks that a digest is present (PROTOCOL.md §5.4).
                return Stanza.Result(iq, Stanza.Make("digest"));
            }

            if (iq.GetChild("key") is { } keyRequest)
            {
                return Stanza.Result(iq, _server.FetchBundles(keyRequest));
            }

            return Stanza.Result(iq);
        }

        return StorePreKeys(iq, device) ? Stanza.Result(iq) : Stanza.Error(iq, 400, "bad-request");
    }

    private bool StorePreKeys(Node iq, SimDevice device)
    {
        var skeyNode = iq.GetChild("skey") ?? iq.GetChild("rotate", "skey");
        var signedPreKey = skeyNode is null ? null : PreKeyCodec.ReadSignedPreKey(skeyNode);
        var preKeys = new List<(uint Id, byte[] Key)>();
        foreach (var key in iq.GetChild("list")?.GetChildren("key") ?? [])
        {
            if (PreKeyCodec.ReadPreKey(key) is not { } preKey)
            {
                return false;
            }

            preKeys.Add(preKey);
        }

        var registrationId = Stanza.ChildBytes(iq, "registration");
        var identity = Stanza.ChildBytes(iq, "identity");
        lock (_server.State.Sync)
        {
            foreach (var (id, key) in preKeys)
            {
                device.PreKeys[id] = key;
            }

            var registration = device.Registration;
            if (registrationId is { Length: 4 })
            {
                registration = registration with { RegistrationId = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(registrationId) };
            }

            if (identity is { Length: Protocol.Crypto.Curve25519.KeySize })
            {
                registration = registration with { IdentityKey = identity };
            }

            if (signedPreKey is { } skey)
            {
                registration = registration with { SignedPreKeyId = skey.Id, SignedPreKey = skey.Key, SignedPreKeySignature = skey.Signature };
            }

            device.Registration = registration;
            _server.State.MarkChanged();
        }

        return true;
    }

    private static Node PrivacySettings()
    {
        (string Name, string Value)[] categories =
        [
            ("last", "all"), ("online", "all"), ("profile", "all"), ("status", "all"),
            ("groupadd", "all"), ("readreceipts", "all"), ("calladd", "all"),
        ];
        return Stanza.Make("privacy", NodeContent.FromChildren(
            categories.Select(c => Stanza.Make("category", default, ("name", c.Name), ("value", c.Value)))));
    }
}
