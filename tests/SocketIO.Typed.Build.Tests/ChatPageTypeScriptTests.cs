namespace SocketIO.Typed.Tests;

/// <summary>
/// The chat page is TypeScript typed from the C# contracts: the declarations the build of samples/Chat.Contracts
/// writes make the page type-check, and they are strict (every <c>@ts-expect-error</c> line of
/// samples/Chat/client/checks/contract-checks.ts must be an error, or tsc fails). tsc is the one pinned in
/// samples/Chat/client/package-lock.json.
/// </summary>
public sealed class ChatPageTypeScriptTests
{
    private static readonly string s_client = Path.Combine(Dotnet.RepoRoot, "samples", "Chat", "client");

    [Theory]
    [InlineData("tsconfig.json")]
    [InlineData("checks/tsconfig.json")]
    public async Task The_page_and_the_contract_checks_type_check_against_the_generated_declarations(string project)
    {
        // The declarations come from the build of Chat.Contracts (the solution build made them; build it if not).
        string declarations = Path.Combine(s_client, "src", "generated", "contracts.d.ts");
        if (!File.Exists(declarations) || !File.Exists(Path.Combine(s_client, "node_modules", "typescript", "bin", "tsc")))
        {
            using (await BuildLock.AcquireAsync())
            {
                (int built, string log) = await Dotnet.RunAsync(Dotnet.RepoRoot, "build", "samples/Chat/Chat.csproj", "-c", Dotnet.Configuration);
                Assert.True(built == 0, log);
            }
        }

        Assert.Contains("export type ClientToServerEvents = IChatServer;", await File.ReadAllTextAsync(declarations), StringComparison.Ordinal);
        (int exit, string output) = await Dotnet.RunToolAsync("node", s_client, "node_modules/typescript/bin/tsc", "-p", project, "--noEmit");
        Assert.True(exit == 0, $"tsc -p {project}:\n{output}");
    }
}
