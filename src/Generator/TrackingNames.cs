namespace SocketIO.Typed.Generator;

/// <summary>Names of the pipeline's stages, for the caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Spec = nameof(Spec);
    public const string Types = nameof(Types);
    public const string Hub = nameof(Hub);
    public const string HubSpec = nameof(HubSpec);
    public const string TypeScript = nameof(TypeScript);
    public const string HubContexts = nameof(HubContexts);
}
