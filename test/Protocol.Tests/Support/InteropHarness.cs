using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WaOrleans.Protocol.Tests.Support;

/// <summary>
/// Runs the reference peers (Baileys and libsignal-node, <c>test/Interop/harness.mjs</c>) in one
/// Node process and calls their operations over newline-delimited JSON on stdio.
/// </summary>
/// <remarks>
/// Shared by every interop test through <see cref="InteropCollection"/>. Byte arrays travel as
/// base64 strings (<see cref="B64"/>). The harness must have been installed with <c>npm ci</c> in
/// <c>test/Interop</c>; the test command in the README does that.
/// </remarks>
public sealed class InteropHarness : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(2);

    // Node trees and nested protobufs go deeper than System.Text.Json's default of 64 levels.
    private const int MaxJsonDepth = 1024;
    private static readonly JsonSerializerOptions WriteOptions = new() { MaxDepth = MaxJsonDepth };
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = MaxJsonDepth };

    private readonly Process _node;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource<JsonNode?> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readLoop;
    private long _nextId;

    /// <summary>Starts the Node harness and waits until it reports ready.</summary>
    public InteropHarness()
    {
        var dir = Path.Combine(RepoRoot.Path, "test", "Interop");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "baileys")))
        {
            throw new InvalidOperationException(
                $"The interop harness is not installed: run 'npm ci' in {dir} (the README's test command does).");
        }

        var start = new ProcessStartInfo("node", "harness.mjs")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _node = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        _node.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[interop] " + e.Data); };
        _node.BeginErrorReadLine();
        _pending[0] = _ready;
        _readLoop = Task.Run(ReadLoopAsync);
        if (!_ready.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("the interop harness did not start within 60 s");
        }
    }

    /// <summary>Calls one harness operation and returns its JSON result.</summary>
    public async Task<JsonNode?> CallAsync(string op, object? args = null, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var line = JsonSerializer.Serialize(new { id, op, args }, WriteOptions);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _node.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken);
            await _node.StandardInput.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }

        return await tcs.Task.WaitAsync(CallTimeout, cancellationToken);
    }

    /// <summary>Calls an operation whose result is a base64 string and returns the bytes.</summary>
    public async Task<byte[]> CallBytesAsync(string op, object? args = null, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync(op, args, cancellationToken);
        return Convert.FromBase64String(result!.GetValue<string>());
    }

    /// <summary>Encodes bytes the way the harness expects them.</summary>
    public static string B64(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _node.StandardOutput.ReadLineAsync() is { } line)
            {
                JsonObject reply;
                try
                {
                    reply = JsonNode.Parse(line, documentOptions: ReadOptions)!.AsObject();
                }
                catch (JsonException ex)
                {
                    // A line we cannot read must not stop the loop: other calls are still waiting.
                    Console.Error.WriteLine($"[interop] unreadable reply ({ex.Message}): {line[..Math.Min(line.Length, 200)]}");
                    continue;
                }

                var id = reply["id"]!.GetValue<long>();
                if (!_pending.TryRemove(id, out var tcs))
                {
                    continue;
                }

                if (reply.TryGetPropertyValue("error", out var error))
                {
                    tcs.TrySetException(new InteropException(error!.GetValue<string>()));
                }
                else
                {
                    tcs.TrySetResult(reply["result"]);
                }
            }
        }
        finally
        {
            foreach (var tcs in _pending.Values)
            {
                tcs.TrySetException(new InteropException("the interop harness exited"));
            }
        }
    }

    /// <summary>Closes the harness's stdin and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        _node.StandardInput.Close();
        if (!_node.WaitForExit(5000))
        {
            _node.Kill(entireProcessTree: true);
        }

        await _readLoop.ConfigureAwait(false);
        _node.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>An error thrown inside the Node harness (the message carries its stack).</summary>
public sealed class InteropException(string message) : Exception(message);

/// <summary>The xunit collection that shares one <see cref="InteropHarness"/>.</summary>
[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropHarness>
{
    /// <summary>The collection name to put on interop test classes.</summary>
    public const string Name = "Interop";
}

/// <summary>Finds the repository root (the folder holding WaOrleans.sln).</summary>
public static class RepoRoot
{
    /// <summary>The absolute path of the repository root.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "WaOrleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("WaOrleans.sln not found above " + AppContext.BaseDirectory);
    }
}
