using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SocketIO.Typed.Interop.Tests;

/// <summary>A loopback TCP proxy whose connections can all be cut at once: a network failure on demand.</summary>
internal sealed class TcpCutProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _frozen;

    public TcpCutProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>From now on bytes are swallowed, not forwarded, and connections stay open: a peer that went silent.</summary>
    public void Freeze() => _frozen = true;

    /// <summary>Resets every open connection, both sides.</summary>
    public void Cut()
    {
        foreach (Socket socket in _sockets.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
                // Already closed by its pump.
            }

            _sockets.TryRemove(socket, out _);
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptSocketAsync(_stop.Token);
                if (_frozen)
                {
                    // A silent peer accepts nothing new either.
                    _sockets[client] = 0;
                    continue;
                }

                var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                try
                {
                    await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                }
                catch (SocketException)
                {
                    client.Close();
                    server.Dispose();
                    continue;
                }

                _sockets[client] = 0;
                _sockets[server] = 0;
                _ = PumpAsync(client, server);
                _ = PumpAsync(server, client);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
        catch (InvalidOperationException) when (_stop.IsCancellationRequested)
        {
            // Stopped between two accepts: the listener no longer listens.
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (!_frozen)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Cut, or the other side went away: close both.
            from.Close();
            to.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
