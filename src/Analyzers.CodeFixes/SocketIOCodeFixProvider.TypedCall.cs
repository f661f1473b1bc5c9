using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace SocketIO.Typed.Analyzers.CodeFixes;

/// <summary>SIO0020: an untyped emit by name becomes the contract's typed call.</summary>
public sealed partial class SocketIOCodeFixProvider
{
    /// <summary>The typed call that replaces an untyped emit, and the namespaces it needs.</summary>
    private sealed class Replacement(ExpressionSyntax call, string title, IReadOnlyList<string> namespaces)
    {
        public ExpressionSyntax Call { get; } = call;

        public string Title { get; } = title;

        public IReadOnlyList<string> Namespaces { get; } = namespaces;
    }

    // Offered only where the typed call means the same: the values fit the contract method's parameters one to one
    // (implicit conversions), EmitAsync names an event without an answer, EmitWithAckAsync one with an answer whose
    // result the code does not use (the typed call's result is typed, the untyped one is SocketIOArguments), and
    // the call is awaited or discarded (the typed call returns Task where the untyped one returns ValueTask).
    private static Replacement? TypedCall(SemanticModel model, InvocationExpressionSyntax call, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue("Contract", out string? contractName) || contractName is null
            || !diagnostic.Properties.TryGetValue("Method", out string? methodName) || methodName is null
            || call.Expression is not MemberAccessExpressionSyntax access
            || model.GetOperation(call, cancellationToken) is not IInvocationOperation { Instance.Type: { } receiverType } invocation
            || model.Compilation.GetTypeByMetadataName(contractName) is not { } contract)
        {
            return null;
        }

        IMethodSymbol[] candidates = [.. contract.GetMembers(methodName).OfType<IMethodSymbol>()];
        if (candidates.Length != 1)
        {
            return null;
        }

        IMethodSymbol target = candidates[0];
        IParameterSymbol[] parameters = [.. target.Parameters];
        if (parameters.Length > 0 && parameters[parameters.Length - 1].Type is { Name: "CancellationToken", ContainingNamespace: { } ctNamespace } && ctNamespace.ToDisplayString() == "System.Threading")
        {
            parameters = parameters.Take(parameters.Length - 1).ToArray();
        }

        // (eventName, params object?[] values) and nothing else: no timeout or token overloads.
        if (invocation.Arguments.Length != 2
            || invocation.Arguments[1] is not { ArgumentKind: ArgumentKind.ParamArray, Value: IArrayCreationOperation { Initializer: { } values } }
            || values.ElementValues.Length != parameters.Length)
        {
            return null;
        }

        var arguments = new List<string>(parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            IOperation value = values.ElementValues[i] is IConversionOperation { IsImplicit: true } boxing ? boxing.Operand : values.ElementValues[i];
            bool fits = value.Type is null
                ? value.ConstantValue is { HasValue: true, Value: null } && (parameters[i].Type.IsReferenceType || parameters[i].Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
                : model.Compilation.ClassifyCommonConversion(value.Type, parameters[i].Type).IsImplicit;
            if (!fits)
            {
                return null;
            }

            arguments.Add(value.Syntax.ToString());
        }

        bool answers = target.ReturnType is INamedTypeSymbol { IsGenericType: true };
        bool awaited = call.Parent is AwaitExpressionSyntax;
        bool resultUnused = call.Parent is ExpressionStatementSyntax
            || (awaited && call.Parent?.Parent is ExpressionStatementSyntax)
            || call.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax };
        if (!(awaited || resultUnused))
        {
            return null;
        }

        string contractType = contract.ToMinimalDisplayString(model, call.SpanStart);
        string receiver = access.Expression.WithoutTrivia().ToString();
        string view;
        var namespaces = new List<string>();
        string name = invocation.TargetMethod.Name;
        if (name == "EmitAsync" && !answers && Implements(receiverType, "SocketIO.Typed", "ISocketIOEmitter"))
        {
            view = receiver + ".As<" + contractType + ">()";
            namespaces.Add("SocketIO.Typed");
        }
        else if (name == "EmitAsync" && !answers && Implements(receiverType, "SocketIO.Typed", "ISocketIOBroadcaster"))
        {
            view = receiver + ".As<" + contractType + ">()";
            namespaces.Add("SocketIO.Typed");
            AddNamespaceOf(contract, namespaces); // the generated broadcast extensions live beside the contract
        }
        else if (name == "EmitAsync" && !answers && Is(receiverType, "SocketIO.Typed.Server", "SocketIONamespace"))
        {
            view = receiver + ".Clients<" + contractType + ">().All";
            namespaces.Add("SocketIO.Typed.Server");
            AddNamespaceOf(contract, namespaces);
        }
        else if (name == "EmitWithAckAsync" && answers && resultUnused && Implements(receiverType, "SocketIO.Typed", "ISocketIOEmitter"))
        {
            view = receiver + ".As<" + contractType + ">()";
            namespaces.Add("SocketIO.Typed");
        }
        else
        {
            return null;
        }

        string text = view + "." + target.Name + "(" + string.Join(", ", arguments) + ")";
        return new Replacement(SyntaxFactory.ParseExpression(text).WithTriviaFrom(call), contract.Name + "." + target.Name, namespaces);
    }

    private static void AddNamespaceOf(INamedTypeSymbol contract, List<string> namespaces)
    {
        if (contract.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            namespaces.Add(ns.ToDisplayString());
        }
    }

    private static bool Is(ITypeSymbol type, string ns, string name) =>
        type.Name == name && type.ContainingNamespace?.ToDisplayString() == ns;

    private static bool Implements(ITypeSymbol type, string ns, string name) =>
        Is(type, ns, name) || type.AllInterfaces.Any(i => Is(i, ns, name));

    // Adds "using X;" for each namespace the new code needs that the file neither imports nor is inside.
    private static SyntaxNode WithUsings(SyntaxNode root, IReadOnlyList<string> namespaces, SyntaxNode at)
    {
        if (root is not CompilationUnitSyntax unit)
        {
            return root;
        }

        var visible = new HashSet<string>(unit.Usings.Select(static u => u.Name?.ToString() ?? ""), System.StringComparer.Ordinal);
        foreach (BaseNamespaceDeclarationSyntax declaration in at.Ancestors().OfType<BaseNamespaceDeclarationSyntax>())
        {
            visible.UnionWith(declaration.Usings.Select(static u => u.Name?.ToString() ?? ""));
            string name = declaration.Name.ToString();
            for (int dot = name.Length; dot > 0; dot = name.LastIndexOf('.', dot - 1))
            {
                visible.Add(name.Substring(0, dot)); // the namespace and its parents need no using
            }
        }

        UsingDirectiveSyntax[] added = [.. namespaces.Distinct(System.StringComparer.Ordinal)
            .Where(n => !visible.Contains(n))
            .Select(static n => SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(n)).WithTrailingTrivia(SyntaxFactory.ElasticLineFeed))];
        return added.Length == 0 ? unit : unit.WithUsings(unit.Usings.AddRange(added));
    }
}
