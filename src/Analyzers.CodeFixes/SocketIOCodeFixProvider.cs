using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Analyzers.CodeFixes;

/// <summary>
/// The fixes whose intent is clear: make a hub <c>partial</c> (SIO0014), move a <c>CancellationToken</c> last (SIO0009),
/// return <c>Task</c> instead of <c>void</c> (SIO0002, SIO0017), name a duplicate event after its method (SIO0005), and
/// replace an untyped emit by name with the contract's typed call (SIO0020, when the arguments fit the contract method).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SocketIOCodeFixProvider))]
[Shared]
public sealed partial class SocketIOCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("SIO0002", "SIO0005", "SIO0009", "SIO0014", "SIO0017", "SIO0020");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            switch (diagnostic.Id)
            {
                case "SIO0014" when node.FirstAncestorOrSelf<ClassDeclarationSyntax>() is { } hub:
                    Register(context, diagnostic, "Make the hub partial", "SIO0014", root, hub, MakePartial(hub));
                    break;
                case "SIO0009" when node.FirstAncestorOrSelf<ParameterSyntax>() is { Parent: ParameterListSyntax list } parameter:
                    Register(context, diagnostic, "Move the CancellationToken last", "SIO0009", root, list, MoveLast(list, parameter));
                    break;
                case "SIO0002" or "SIO0017" when node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method && ReturnTask(method) is { } fixedMethod:
                    Register(context, diagnostic, method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword } ? "Return Task" : "Return a Task of the value", diagnostic.Id, root, method, fixedMethod);
                    break;
                case "SIO0005" when node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } duplicate:
                    Register(context, diagnostic, "Name the event after its method", "SIO0005", root, duplicate, NameAfterMethod(duplicate));
                    break;
                case "SIO0020" when node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } call
                    && await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false) is { } model
                    && TypedCall(model, call, diagnostic, context.CancellationToken) is { } typed:
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Call " + typed.Title,
                            _ => Task.FromResult(context.Document.WithSyntaxRoot(WithUsings(root.ReplaceNode(call, typed.Call), typed.Namespaces, call))),
                            "SIO0020:typed"),
                        diagnostic);
                    break;
            }
        }
    }

    private static void Register(CodeFixContext context, Diagnostic diagnostic, string title, string key, SyntaxNode root, SyntaxNode oldNode, SyntaxNode newNode) =>
        context.RegisterCodeFix(
            CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode))), key + ":" + title),
            diagnostic);

    private static ClassDeclarationSyntax MakePartial(ClassDeclarationSyntax hub)
    {
        if (hub.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return hub;
        }

        // partial goes last among the modifiers, right before "class".
        return hub.WithModifiers(hub.Modifiers.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space)));
    }

    private static ParameterListSyntax MoveLast(ParameterListSyntax list, ParameterSyntax token)
    {
        var others = list.Parameters.Where(p => p != token).Select(static p => p.WithoutTrivia()).ToList();
        others.Add(token.WithoutTrivia());
        return list.WithParameters(SyntaxFactory.SeparatedList(others, Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), others.Count - 1)));
    }

    private static MethodDeclarationSyntax? ReturnTask(MethodDeclarationSyntax method)
    {
        TypeSyntax task = SyntaxFactory.ParseTypeName("System.Threading.Tasks.Task").WithAdditionalAnnotations(Simplifier.Annotation);
        if (method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
        {
            return method.WithReturnType(task.WithTriviaFrom(method.ReturnType));
        }

        if (method.Modifiers.Any(SyntaxKind.AsyncKeyword) || method.Body is not null || method.ExpressionBody is not null)
        {
            return null; // an implementation returning a value: changing it is not a mechanical fix
        }

        // A contract method returning a value: an acknowledged event answering that value.
        TypeSyntax generic = SyntaxFactory.ParseTypeName("System.Threading.Tasks.Task<" + method.ReturnType.WithoutTrivia().ToString() + ">").WithAdditionalAnnotations(Simplifier.Annotation);
        return method.WithReturnType(generic.WithTriviaFrom(method.ReturnType));
    }

    private static MethodDeclarationSyntax NameAfterMethod(MethodDeclarationSyntax method)
    {
        string name = Naming.CamelCase(method.Identifier.ValueText);
        AttributeSyntax attribute = SyntaxFactory.Attribute(
            SyntaxFactory.ParseName("SocketIO.Typed.SocketIOEvent").WithAdditionalAnnotations(Simplifier.Annotation),
            SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.AttributeArgument(
                SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(name))))));

        // An existing [SocketIOEvent("...")] is replaced; otherwise one is added.
        foreach (AttributeListSyntax list in method.AttributeLists)
        {
            foreach (AttributeSyntax existing in list.Attributes)
            {
                string text = existing.Name.ToString();
                if (text is "SocketIOEvent" or "SocketIOEventAttribute" || text.EndsWith(".SocketIOEvent", System.StringComparison.Ordinal))
                {
                    return method.ReplaceNode(existing, attribute.WithName(existing.Name));
                }
            }
        }

        AttributeListSyntax added = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute))
            .WithLeadingTrivia(method.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.Space);
        return method.WithoutLeadingTrivia().WithAttributeLists(method.AttributeLists.Insert(0, added));
    }
}
