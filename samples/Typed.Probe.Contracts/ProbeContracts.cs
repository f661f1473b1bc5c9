using System.Text.Json.Serialization;
using SocketIO.Typed;

namespace Typed.Probe.Contracts;

/// <summary>A plain enum: a number on the wire.</summary>
public enum Mood
{
    /// <summary>Calm.</summary>
    Calm,

    /// <summary>Busy.</summary>
    Busy,
}

/// <summary>An enum written as its name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Level>))]
public enum Level
{
    /// <summary>Low.</summary>
    Low,

    /// <summary>High.</summary>
    High,
}

/// <summary>A nested record with binary data (an attachment on the wire).</summary>
/// <param name="Note">A note.</param>
/// <param name="Data">Bytes.</param>
public sealed record Inner(string Note, byte[] Data);

/// <summary>The probe's payload: most kinds of value the serializer handles.</summary>
public sealed record Shape(Guid Id, string Name, DateTimeOffset At, Mood Mood, Level Level, int? Score,
    IReadOnlyList<string> Tags, Dictionary<string, double> Weights, Inner? Inner,
    [property: JsonPropertyName("display_name")] string DisplayName)
{
    /// <summary>Never sent.</summary>
    [JsonIgnore]
    public string Secret { get; init; } = "hidden";
}

/// <summary>The events a probe client sends.</summary>
[SocketIOContract]
public interface IProbeServer
{
    /// <summary>Acks the shape it received.</summary>
    Task<Shape> Echo(Shape shape);

    /// <summary>Acks the sum and the words joined with commas.</summary>
    Task<(int Sum, string Joined)> Combine(int[] numbers, string[] words);

    /// <summary>Joins the room, acks its name.</summary>
    Task<string> Join(string room);

    /// <summary>The room's other members get <see cref="IProbeClient.Relayed"/>.</summary>
    Task Relay(string room, Shape shape);

    /// <summary>Asks the room's members <see cref="IProbeClient.Question"/> with a 2 s timeout; acks their answers.</summary>
    Task<int[]> AskRoom(string room, int x);
}

/// <summary>The events a probe server sends.</summary>
[SocketIOContract]
public interface IProbeClient
{
    /// <summary>A shape relayed by another member of a room.</summary>
    Task Relayed(Shape shape);

    /// <summary>A question the client answers.</summary>
    Task<int> Question(int x);
}
