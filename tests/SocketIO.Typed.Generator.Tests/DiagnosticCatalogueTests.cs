using System.Reflection;
using Microsoft.CodeAnalysis;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>Every descriptor has a help link, a section in docs/diagnostics.md and a row in the release files.</summary>
public sealed class DiagnosticCatalogueTests
{
    public static TheoryData<string> Ids { get; } = [.. Descriptors().Select(static d => d.Id)];

    private static IEnumerable<DiagnosticDescriptor> Descriptors() => typeof(SocketIODescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(static f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(static f => (DiagnosticDescriptor)f.GetValue(null)!);

    [Theory]
    [MemberData(nameof(Ids))]
    public void A_rule_is_documented_linked_and_release_tracked(string id)
    {
        DiagnosticDescriptor descriptor = Descriptors().Single(d => d.Id == id);
        string root = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory, "..", ".."));
        Assert.EndsWith("docs/diagnostics.md#" + id.ToLowerInvariant(), descriptor.HelpLinkUri, StringComparison.Ordinal);
        Assert.Contains("\n## " + id + "\n", File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md")).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        string releases = File.ReadAllText(Path.Combine(root, "src", "Shared", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(Path.Combine(root, "src", "Shared", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(id + " |", releases, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_unique_and_numbered_from_one()
    {
        string[] ids = [.. Descriptors().Select(static d => d.Id)];
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.InRange(int.Parse(id[3..], System.Globalization.CultureInfo.InvariantCulture), 1, ids.Length));
    }
}
