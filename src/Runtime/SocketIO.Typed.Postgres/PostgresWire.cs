using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using SocketIO.Typed.Adapters.Cluster;

namespace SocketIO.Typed.Postgres;

/// <summary>
/// How @socket.io/postgres-adapter 0.5 carries a cluster message: <c>pg_notify(channel, json)</c>, or, for a message
/// with binary or too large for a notification, a row of the attachments table (the whole message as MessagePack)
/// and a notification <c>{"uid", "type", "attachmentId"}</c>.
/// </summary>
internal static class PostgresWire
{
    public static string Channel(SocketIOPostgresAdapterOptions options, string @namespace) => options.ChannelPrefix + "#" + @namespace;

    public static async ValueTask PublishAsync(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions options, string channel, SocketIOClusterMessage message)
    {
        bool attach = message.Type is SocketIOClusterMessageType.Broadcast or SocketIOClusterMessageType.BroadcastAck
            or SocketIOClusterMessageType.ServerSideEmit or SocketIOClusterMessageType.ServerSideEmitResponse && message.DataHasBinary();
        string? payload = null;
        if (!attach)
        {
            byte[] json = message.ToJson();
            attach = json.Length >= options.PayloadThreshold;
            payload = attach ? null : Encoding.UTF8.GetString(json);
        }

        if (attach)
        {
            long id;
            await using (NpgsqlCommand insert = dataSource.CreateCommand($"INSERT INTO {options.TableName} (payload) VALUES ($1) RETURNING id"))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = message.ToMsgPack() });
                id = Convert.ToInt64(await insert.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            // As node-postgres returns a bigserial: a string.
            payload = "{\"uid\":" + JsonSerializerString(message.Uid) + ",\"type\":" + ((int)message.Type).ToString(CultureInfo.InvariantCulture)
                + ",\"attachmentId\":\"" + id.ToString(CultureInfo.InvariantCulture) + "\"}";
        }

        await using NpgsqlCommand notify = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
        notify.Parameters.Add(new NpgsqlParameter { Value = channel });
        notify.Parameters.Add(new NpgsqlParameter { Value = payload! });
        await notify.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Reads a notification: the message itself, or the attachment it points to (null when <paramref name="skipUid"/> sent it).</summary>
    public static async ValueTask<SocketIOClusterMessage?> ReadAsync(NpgsqlDataSource dataSource, SocketIOPostgresAdapterOptions options, string payload, string skipUid)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        if (!payload.Contains("\"attachmentId\"", StringComparison.Ordinal))
        {
            // The message itself (most notifications): read once.
            return SocketIOClusterMessage.ReadJson(bytes);
        }

        long? attachmentId = null;
        string? uid = null;
        using (JsonDocument document = JsonDocument.Parse(bytes))
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("attachmentId"u8, out JsonElement id))
            {
                attachmentId = id.ValueKind == JsonValueKind.String && long.TryParse(id.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s
                    : id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long n) ? n
                    : throw new FormatException("An attachment id that is not a number.");
                uid = root.TryGetProperty("uid"u8, out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            }
        }

        if (attachmentId is null)
        {
            return SocketIOClusterMessage.ReadJson(bytes);
        }

        if (uid == skipUid)
        {
            return null;
        }

        await using NpgsqlCommand select = dataSource.CreateCommand($"SELECT payload FROM {options.TableName} WHERE id = $1");
        select.Parameters.Add(new NpgsqlParameter { Value = attachmentId.Value });
        object? row = await select.ExecuteScalarAsync().ConfigureAwait(false);
        if (row is not byte[] attachment)
        {
            throw new FormatException($"Attachment {attachmentId} is not in {options.TableName} (deleted after {options.CleanupInterval.TotalSeconds:0.#} s, or never written).");
        }

        if (attachment.Length > options.MaxMessageBytes)
        {
            throw new FormatException($"Attachment {attachmentId} has {attachment.Length} bytes (MaxMessageBytes is {options.MaxMessageBytes}).");
        }

        return SocketIOClusterMessage.ReadMsgPack(attachment);
    }

    private static string JsonSerializerString(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(value.Length + 8);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
