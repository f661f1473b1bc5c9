namespace SocketIO.Typed.SourceGeneration;

/// <summary>Metadata names the generator and the analyzers match (they never reference the runtime assembly).</summary>
internal static class KnownNames
{
    public const string SocketIOContractAttribute = "SocketIO.Typed.SocketIOContractAttribute";
    public const string SocketIOEventAttribute = "SocketIO.Typed.SocketIOEventAttribute";
    public const string SocketIOTypeScriptAttribute = "SocketIO.Typed.SocketIOTypeScriptAttribute";
    public const string SocketIOHubAttribute = "SocketIO.Typed.Server.SocketIOHubAttribute";
    public const string SocketHub = "SocketIO.Typed.Server.SocketHub`1";

    public const string JsonPropertyNameAttribute = "System.Text.Json.Serialization.JsonPropertyNameAttribute";
    public const string JsonSerializableAttribute = "System.Text.Json.Serialization.JsonSerializableAttribute";
    public const string JsonIgnoreAttribute = "System.Text.Json.Serialization.JsonIgnoreAttribute";
    public const string JsonConverterAttribute = "System.Text.Json.Serialization.JsonConverterAttribute";
    public const string JsonStringEnumConverter = "System.Text.Json.Serialization.JsonStringEnumConverter";
    public const string JsonStringEnumConverterOfT = "System.Text.Json.Serialization.JsonStringEnumConverter`1";
    public const string JsonStringEnumMemberNameAttribute = "System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute";
    public const string JsonConstructorAttribute = "System.Text.Json.Serialization.JsonConstructorAttribute";
    public const string JsonPropertyOrderAttribute = "System.Text.Json.Serialization.JsonPropertyOrderAttribute";
    public const string JsonRequiredAttribute = "System.Text.Json.Serialization.JsonRequiredAttribute";
    public const string JsonIncludeAttribute = "System.Text.Json.Serialization.JsonIncludeAttribute";
    public const string JsonElement = "System.Text.Json.JsonElement";

    /// <summary>Event names socket.io reserves (socket.io's <c>RESERVED_EVENTS</c>, both sides).</summary>
    public static readonly string[] ReservedEventNames =
    [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ];
}
