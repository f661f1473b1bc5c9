using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SocketIO.Typed.Generator.Model;

namespace SocketIO.Typed.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits reuse every output; specs hold no Roslyn objects.</summary>
[Collection(nameof(GeneratorCachingTests))]
public sealed class GeneratorCachingTests
{
    private const string Contract = """
        using System.Threading.Tasks;
        using SocketIO.Typed;
        namespace App;
        public sealed record Message(string Text, byte[]? Image);
        [SocketIOContract] public interface IChat { Task Say(Message message); Task<int> Count(); }
        """;

    private static readonly string[] s_ourSteps = [TrackingNames.Spec, TrackingNames.Types];

    private static GeneratorDriver RunTwice(string first, Func<CSharpCompilation, CSharpCompilation> edit, out GeneratorRunResult result)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(first);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        driver = driver.RunGenerators(edit(compilation));
        result = driver.GetRunResult().Results.Single();
        return driver;
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(static s => s.Outputs).Select(static o => o.Reason);

    [Fact]
    public void An_unrelated_edit_reuses_every_output()
    {
        RunTwice(Contract, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public sealed class Unrelated { public int X; }", GeneratorHarness.ParseOptions)), out GeneratorRunResult result);
        foreach (string step in s_ourSteps)
        {
            Assert.All(Reasons(result, step), static r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs), static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_a_comment_in_the_contract_keeps_the_spec_equal()
    {
        RunTwice(Contract, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single();
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Contract.Replace("namespace App;", "namespace App; // a comment", StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        }, out GeneratorRunResult result);
        Assert.All(Reasons(result, TrackingNames.Spec), static r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Changing_an_event_signature_modifies_the_spec()
    {
        RunTwice(Contract, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single();
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Contract.Replace("Task<int> Count();", "Task<long> Count();", StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        }, out GeneratorRunResult result);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Spec));
    }

    [Fact]
    public void Specs_hold_no_symbols_syntax_compilations_or_locations()
    {
        var specs = new List<ContractSpec>();
        ContractGenerator.OnSpecEmitting = specs.Add;
        try
        {
            GeneratorHarness.Run(Contract);
        }
        finally
        {
            ContractGenerator.OnSpecEmitting = null;
        }

        Assert.Single(specs);
        AssertNoRoslynObjects(specs[0], "spec", new HashSet<object>(ReferenceEqualityComparer.Instance));
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or Location or SemanticModel, $"{path} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0)
            {
                AssertNoRoslynObjects(property.GetValue(value), $"{path}.{property.Name}", seen);
            }
        }
    }
}
