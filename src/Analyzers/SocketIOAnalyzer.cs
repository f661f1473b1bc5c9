using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using SocketIO.Typed.Generator.Parsing;
using SocketIO.Typed.SourceGeneration;

namespace SocketIO.Typed.Analyzers;

/// <summary>
/// How contracts, hubs, handlers and emits are used (SIO0013, SIO0015–SIO0022). What stops the generator from
/// generating (SIO0001–SIO0012, SIO0014) it reports itself, with the same parser.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SocketIOAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] s_contractTypeParameters = ["TServer", "TClient", "TCluster", "TContract"];
    private static readonly string[] s_emitMethods = ["EmitAsync", "EmitWithAckAsync", "CallAsync", "ServerSideEmitAsync", "ServerSideEmitWithAckAsync"];
    private static readonly string[] s_handlerMethods = ["On", "Off", "OnServerSideEvent", "OnRequest"];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        SocketIODescriptors.ContractNotInterface,
        SocketIODescriptors.NamespaceMismatch,
        SocketIODescriptors.NotAContract,
        SocketIODescriptors.AsyncVoidHandler,
        SocketIODescriptors.BlockingCall,
        SocketIODescriptors.BroadcastAckWithoutTimeout,
        SocketIODescriptors.UntypedEmitOfContractEvent,
        SocketIODescriptors.ReservedNameInUntypedCall,
        SocketIODescriptors.NamespaceWithoutSlash);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? contractAttribute = start.Compilation.GetTypeByMetadataName(KnownNames.SocketIOContractAttribute);
            if (contractAttribute is null)
            {
                return; // the project does not use SocketIO.Typed
            }

            var state = new CompilationState(start.Compilation, contractAttribute);
            start.RegisterSymbolAction(state.AnalyzeType, SymbolKind.NamedType);
            start.RegisterSymbolAction(state.AnalyzeMethod, SymbolKind.Method);
            start.RegisterOperationAction(state.AnalyzeInvocation, OperationKind.Invocation);
            start.RegisterOperationAction(state.AnalyzeAnonymousFunction, OperationKind.AnonymousFunction);
            start.RegisterOperationAction(state.AnalyzePropertyReference, OperationKind.PropertyReference);
        });
    }

    private sealed class CompilationState(Compilation compilation, INamedTypeSymbol contractAttribute)
    {
        private readonly INamedTypeSymbol? _hubAttribute = compilation.GetTypeByMetadataName(KnownNames.SocketIOHubAttribute);
        private readonly INamedTypeSymbol? _broadcastOperator = compilation.GetTypeByMetadataName("SocketIO.Typed.Server.BroadcastOperator");
        private readonly INamedTypeSymbol? _task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        private readonly INamedTypeSymbol? _taskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        private readonly INamedTypeSymbol? _valueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        private readonly Lazy<Dictionary<string, (string Contract, string MetadataName, string Method)>> _events = new(() => ContractEvents(compilation, contractAttribute));
        private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _handlerTypes = new(SymbolEqualityComparer.Default);

        // ------------------------------------------------------------------ types: contracts, hubs, attributes

        public void AnalyzeType(SymbolAnalysisContext context)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, contractAttribute))
                {
                    if (type.TypeKind != TypeKind.Interface)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.ContractNotInterface, Where(type), type.Name));
                    }

                    foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                    {
                        if (argument.Key == "Namespace" && argument.Value.Value is string ns)
                        {
                            ReportNamespace(context.ReportDiagnostic, ns, AttributeLocation(attribute) ?? Where(type));
                        }
                    }
                }
                else if (_hubAttribute is not null && SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _hubAttribute)
                    && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string hubNamespace)
                {
                    ReportNamespace(context.ReportDiagnostic, hubNamespace, AttributeLocation(attribute) ?? Where(type));
                }
            }

            // A hub's client contract (SocketHub<TClient>, SocketHub<TClient, TData>).
            for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            {
                if (baseType.Name == "SocketHub" && baseType.ContainingNamespace?.ToDisplayString() == "SocketIO.Typed.Server" && baseType.TypeArguments.Length > 0)
                {
                    CheckContract(context.ReportDiagnostic, baseType.TypeArguments[0], "SocketHub<" + baseType.TypeArguments[0].Name + ">", Where(type));
                    break;
                }
            }
        }

        // ------------------------------------------------------------------ handler methods

        public void AnalyzeMethod(SymbolAnalysisContext context)
        {
            var method = (IMethodSymbol)context.Symbol;
            if (method.IsAsync && method.ReturnsVoid && method.MethodKind == MethodKind.Ordinary && IsHandlerType(method.ContainingType))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.AsyncVoidHandler, Where(method), method.Name));
            }
        }

        public void AnalyzeAnonymousFunction(OperationAnalysisContext context)
        {
            var function = (IAnonymousFunctionOperation)context.Operation;
            if (function.Symbol.IsAsync && function.Symbol.ReturnsVoid && PassedToSocketIO(function))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.AsyncVoidHandler, function.Syntax.GetLocation(), "the lambda"));
            }
        }

        public void AnalyzePropertyReference(OperationAnalysisContext context)
        {
            var reference = (IPropertyReferenceOperation)context.Operation;
            if (reference.Property.Name == "Result" && IsTask(reference.Property.ContainingType) && InHandler(context.Operation, context.ContainingSymbol))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.BlockingCall, reference.Syntax.GetLocation(), ".Result"));
            }
        }

        // ------------------------------------------------------------------ invocations

        public void AnalyzeInvocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol method = invocation.TargetMethod;
            CheckBlocking(context, invocation, method);
            if (!IsSocketIOType(method.ContainingType))
            {
                return;
            }

            // Typed APIs: their contract type arguments.
            for (int i = 0; i < method.TypeParameters.Length; i++)
            {
                if (Array.IndexOf(s_contractTypeParameters, method.TypeParameters[i].Name) >= 0)
                {
                    CheckContract(context.ReportDiagnostic, method.TypeArguments[i], method.Name, invocation.Syntax.GetLocation());
                }
            }

            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter is not { } parameter || argument.Value.ConstantValue is not { HasValue: true, Value: string text })
                {
                    continue;
                }

                Location location = argument.Value.Syntax.GetLocation();
                if (parameter.Name == "namespace" || (method.Name == "Of" && parameter.Name == "name"))
                {
                    ReportNamespace(context.ReportDiagnostic, text, location);
                }
                else if (parameter.Name == "eventName")
                {
                    if (Array.IndexOf(KnownNames.ReservedEventNames, text) >= 0 && (Array.IndexOf(s_emitMethods, method.Name) >= 0 || Array.IndexOf(s_handlerMethods, method.Name) >= 0))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.ReservedNameInUntypedCall, location, text, method.Name));
                    }
                    else if (Array.IndexOf(s_emitMethods, method.Name) >= 0 && _events.Value.TryGetValue(text, out (string Contract, string MetadataName, string Method) declared))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(
                            SocketIODescriptors.UntypedEmitOfContractEvent,
                            location,
                            ImmutableDictionary<string, string?>.Empty.Add("Method", declared.Method).Add("Contract", declared.MetadataName),
                            method.Name + "(\"" + text + "\")",
                            text,
                            declared.Contract));
                    }
                }
            }

            if (method.Name == "EmitWithAckAsync" && _broadcastOperator is not null
                && SymbolEqualityComparer.Default.Equals(method.ContainingType, _broadcastOperator)
                && LacksTimeout(invocation.Instance))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.BroadcastAckWithoutTimeout, invocation.Syntax.GetLocation()));
            }

            CheckNamespaceMismatch(context, invocation, method);
        }

        private void CheckBlocking(OperationAnalysisContext context, IInvocationOperation invocation, IMethodSymbol method)
        {
            bool blocking = (method.Name == "Wait" && IsTask(method.ContainingType))
                || (method.Name == "GetResult" && method.ContainingType.Name is "TaskAwaiter" or "ValueTaskAwaiter" or "ConfiguredTaskAwaiter" or "ConfiguredValueTaskAwaiter");
            if (blocking && InHandler(invocation, context.ContainingSymbol))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.BlockingCall, invocation.Syntax.GetLocation(), method.Name == "Wait" ? ".Wait()" : ".GetAwaiter().GetResult()"));
            }
        }

        // MapNamespace<THub>("/x") and Of<TServer, TClient>("/x", handler) against the namespaces the contracts declare.
        private void CheckNamespaceMismatch(OperationAnalysisContext context, IInvocationOperation invocation, IMethodSymbol method)
        {
            string? used = invocation.Arguments.FirstOrDefault(static a => a.Parameter?.Name == "namespace")?.Value.ConstantValue is { HasValue: true, Value: string s } ? s : null;
            IEnumerable<ITypeSymbol> contracts;
            if (method.Name == "MapNamespace" && method.TypeArguments.Length == 1 && method.TypeArguments[0] is INamedTypeSymbol hub)
            {
                if (used is null || HubAttributeNamespace(hub) is not null)
                {
                    return; // the hub's own [SocketIOHub("/x")] names its namespace on purpose
                }

                contracts = hub.AllInterfaces.Where(IsContract);
            }
            else if (method.Name == "Of" && method.TypeArguments.Length == 2)
            {
                contracts = method.TypeArguments;
            }
            else
            {
                return;
            }

            var declared = contracts.Select(c => (Contract: c, Namespace: ContractNamespace(c))).Where(static d => d.Namespace is not null).ToList();
            if (used is not null)
            {
                foreach ((ITypeSymbol contract, string? ns) in declared)
                {
                    if (!string.Equals(ns, used, StringComparison.Ordinal))
                    {
                        context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.NamespaceMismatch, invocation.Syntax.GetLocation(), method.Name, used, contract.Name, ns));
                        return;
                    }
                }
            }
            else if (declared.Count == 2 && !string.Equals(declared[0].Namespace, declared[1].Namespace, StringComparison.Ordinal))
            {
                context.ReportDiagnostic(Diagnostic.Create(SocketIODescriptors.NamespaceMismatch, invocation.Syntax.GetLocation(), declared[0].Contract.Name, declared[0].Namespace, declared[1].Contract.Name, declared[1].Namespace));
            }
        }

        // ------------------------------------------------------------------ helpers

        private void CheckContract(Action<Diagnostic> report, ITypeSymbol type, string api, Location location)
        {
            if (type is ITypeParameterSymbol || type.TypeKind == TypeKind.Error || IsContract(type))
            {
                return;
            }

            report(Diagnostic.Create(SocketIODescriptors.NotAContract, location, type.Name, api));
        }

        private bool IsContract(ITypeSymbol type) =>
            type.TypeKind == TypeKind.Interface && type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, contractAttribute));

        private string? ContractNamespace(ITypeSymbol contract)
        {
            AttributeData? attribute = contract.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, contractAttribute));
            return attribute?.NamedArguments.FirstOrDefault(static a => a.Key == "Namespace").Value.Value as string;
        }

        private string? HubAttributeNamespace(INamedTypeSymbol hub)
        {
            AttributeData? attribute = hub.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _hubAttribute));
            return attribute is { ConstructorArguments.Length: 1 } ? attribute.ConstructorArguments[0].Value as string : null;
        }

        // A hub, or a class that implements a contract (a client handler, a server-side handler).
        private bool IsHandlerType(INamedTypeSymbol? type) => type is not null && _handlerTypes.GetOrAdd(type, t =>
            t.AllInterfaces.Any(IsContract)
            || (_hubAttribute is not null && t.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _hubAttribute))));

        private bool InHandler(IOperation operation, ISymbol containingSymbol)
        {
            for (IOperation? current = operation; current is not null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation function && PassedToSocketIO(function))
                {
                    return true;
                }
            }

            return containingSymbol is IMethodSymbol method && IsHandlerType(method.ContainingType);
        }

        private static bool PassedToSocketIO(IAnonymousFunctionOperation function)
        {
            IOperation? parent = function.Parent;
            while (parent is IDelegateCreationOperation or IConversionOperation)
            {
                parent = parent.Parent;
            }

            return parent is IArgumentOperation { Parent: IInvocationOperation invocation } && IsSocketIOType(invocation.TargetMethod.ContainingType);
        }

        private bool IsTask(INamedTypeSymbol? type)
        {
            INamedTypeSymbol? definition = type?.OriginalDefinition;
            return SymbolEqualityComparer.Default.Equals(definition, _task)
                || SymbolEqualityComparer.Default.Equals(definition, _taskOfT)
                || SymbolEqualityComparer.Default.Equals(definition, _valueTaskOfT);
        }

        // Whether a broadcast operator chain is known to have no Timeout(...): every link is a call or property whose
        // origin is visible (a namespace, server or socket); a local or field of unknown history is not reported.
        private bool LacksTimeout(IOperation? instance)
        {
            for (IOperation? current = instance; current is not null;)
            {
                switch (current)
                {
                    case IInvocationOperation call:
                        if (call.TargetMethod.Name == "Timeout")
                        {
                            return false;
                        }

                        if (_broadcastOperator is null || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _broadcastOperator))
                        {
                            return IsSocketIOType(call.TargetMethod.ContainingType); // io.To(...), socket.To(...): no timeout there
                        }

                        current = call.Instance;
                        break;
                    case IPropertyReferenceOperation property:
                        if (!SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _broadcastOperator))
                        {
                            return IsSocketIOType(property.Property.ContainingType); // socket.Broadcast
                        }

                        current = property.Instance;
                        break;
                    case IConversionOperation conversion:
                        current = conversion.Operand;
                        break;
                    default:
                        return false;
                }
            }

            return false;
        }

        private static void ReportNamespace(Action<Diagnostic> report, string ns, Location location)
        {
            if (!ns.StartsWith("/", StringComparison.Ordinal))
            {
                report(Diagnostic.Create(SocketIODescriptors.NamespaceWithoutSlash, location, ns));
            }
        }

        private static bool IsSocketIOType(INamedTypeSymbol? type)
        {
            string? ns = type?.ContainingNamespace?.ToDisplayString();
            return ns is not null && (ns == "SocketIO.Typed" || ns.StartsWith("SocketIO.Typed.", StringComparison.Ordinal) || (ns == "Microsoft.AspNetCore.Builder" && type!.Name.StartsWith("SocketIO", StringComparison.Ordinal)));
        }

        private static Location Where(ISymbol symbol) => symbol.Locations.FirstOrDefault() ?? Location.None;

        private static Location? AttributeLocation(AttributeData attribute) => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

        // Every event name of every contract this compilation declares or references (the contract assemblies).
        private static Dictionary<string, (string Contract, string MetadataName, string Method)> ContractEvents(Compilation compilation, INamedTypeSymbol contractAttribute)
        {
            var events = new Dictionary<string, (string Contract, string MetadataName, string Method)>(StringComparer.Ordinal);
            var assemblies = new List<IAssemblySymbol> { compilation.Assembly };
            foreach (IAssemblySymbol referenced in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (referenced.Modules.Any(static m => m.ReferencedAssemblies.Any(static r => r.Name == "SocketIO.Typed")))
                {
                    assemblies.Add(referenced);
                }
            }

            foreach (IAssemblySymbol assembly in assemblies)
            {
                foreach (INamedTypeSymbol type in AllTypes(assembly.GlobalNamespace))
                {
                    AttributeData? attribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, contractAttribute));
                    if (attribute is null || type.TypeKind != TypeKind.Interface)
                    {
                        continue;
                    }

                    int naming = ContractParser.NamingOf(attribute);
                    foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>().Where(static m => m.MethodKind == MethodKind.Ordinary && !m.IsStatic))
                    {
                        string name = ContractParser.EventNameOf(method, naming);
                        if (!events.ContainsKey(name))
                        {
                            events[name] = (type.Name, MetadataName(type), method.Name);
                        }
                    }
                }
            }

            return events;
        }

        // What Compilation.GetTypeByMetadataName finds the contract by (the code fix reads it from the diagnostic).
        private static string MetadataName(INamedTypeSymbol type)
        {
            string name = type.MetadataName;
            for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                name = outer.MetadataName + "+" + name;
            }

            return type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
        }

        private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceSymbol root)
        {
            var pending = new Stack<INamespaceOrTypeSymbol>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                INamespaceOrTypeSymbol current = pending.Pop();
                foreach (ISymbol member in current.GetMembers())
                {
                    if (member is INamespaceSymbol ns)
                    {
                        pending.Push(ns);
                    }
                    else if (member is INamedTypeSymbol type)
                    {
                        yield return type;
                        pending.Push(type);
                    }
                }
            }
        }
    }
}
