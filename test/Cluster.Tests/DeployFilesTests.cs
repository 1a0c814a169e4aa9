using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

using static WaOrleans.Cluster.Tests.ClusterCalls;

namespace WaOrleans.Cluster.Tests;

/// <summary>
/// What can be checked here of deploy/ without Docker or Kubernetes: every YAML file parses, the
/// pieces refer to each other consistently (selectors, names, secrets, probes), the Dockerfile
/// copies paths that exist, and every WAORLEANS__* setting the files use is a real option.
/// deploy/validate.sh adds the linters (yamllint, compose schema, kustomize, systemd-analyze).
/// </summary>
[Trait("Category", "Deploy")]
public sealed partial class DeployFilesTests
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot(), "deploy");

    [Fact]
    public void The_compose_file_runs_postgres_and_three_silos_that_wait_for_it_and_report_ready_health()
    {
        var services = (YamlMappingNode)Load(Path.Combine(Deploy, "compose.yaml")).Single()["services"];
        Assert.Contains("postgres", services.Children.Keys.Select(k => k.ToString()));
        var silos = services.Children.Where(s => s.Key.ToString().StartsWith("silo", StringComparison.Ordinal)).Select(s => (YamlMappingNode)s.Value).ToList();
        Assert.Equal(3, silos.Count);
        foreach (var silo in silos)
        {
            var environment = (YamlMappingNode)silo["environment"];
            Assert.Equal("postgres", environment["WAORLEANS__STORAGE__PROVIDER"].ToString());
            Assert.Equal("auto", environment["WAORLEANS__CLUSTER__ADVERTISEDADDRESS"].ToString());
            Assert.Equal("service_healthy", silo["depends_on"]["postgres"]["condition"].ToString());
            Assert.Contains("/app/healthcheck.sh", ((YamlSequenceNode)silo["healthcheck"]["test"]).Children.Select(c => c.ToString()));
            var build = silo["build"];
            Assert.True(File.Exists(Path.Combine(Deploy, build["context"].ToString(), build["dockerfile"].ToString())), "the compose build names a Dockerfile that does not exist");
        }

        Assert.Contains("/health/ready", File.ReadAllText(Path.Combine(Deploy, "healthcheck.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_kubernetes_manifests_agree_on_labels_names_secret_and_the_role_orleans_hosting_needs()
    {
        var k8s = Path.Combine(Deploy, "k8s");
        var kustomization = Load(Path.Combine(k8s, "kustomization.yaml")).Single();
        var documents = ((YamlSequenceNode)kustomization["resources"]).Children
            .SelectMany(r => Load(Path.Combine(k8s, r.ToString())))
            .ToDictionary(d => d["kind"].ToString(), d => d);

        var deployment = documents["Deployment"];
        var template = deployment["spec"]["template"];
        var podLabels = Labels(template["metadata"]["labels"]);
        Assert.Subset(podLabels, Labels(deployment["spec"]["selector"]["matchLabels"]));
        Assert.Subset(podLabels, Labels(documents["Service"]["spec"]["selector"]));
        Assert.Subset(podLabels, Labels(documents["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]));
        Assert.Contains("orleans/serviceId=waorleans", podLabels);
        Assert.Contains("orleans/clusterId=waorleans", podLabels);

        var serviceAccount = documents["ServiceAccount"]["metadata"]["name"].ToString();
        Assert.Equal(serviceAccount, template["spec"]["serviceAccountName"].ToString());
        var binding = documents["RoleBinding"];
        Assert.Equal(documents["Role"]["metadata"]["name"].ToString(), binding["roleRef"]["name"].ToString());
        Assert.Equal(serviceAccount, binding["subjects"][0]["name"].ToString());
        var rule = documents["Role"]["rules"][0];
        Assert.Equal("pods", rule["resources"][0].ToString());
        Assert.Subset(((YamlSequenceNode)rule["verbs"]).Children.Select(v => v.ToString()).ToHashSet(), new HashSet<string> { "get", "list", "watch", "patch" });

        var container = template["spec"]["containers"][0];
        var environment = ((YamlSequenceNode)container["env"]).Children.ToDictionary(e => e["name"].ToString(), e => e);
        Assert.Equal("true", environment["WAORLEANS__CLUSTER__KUBERNETES"]["value"].ToString());
        foreach (var variable in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID" })
        {
            Assert.True(environment.ContainsKey(variable), $"{variable} is what Orleans' Kubernetes hosting reads");
        }

        var secretRef = environment["WAORLEANS__STORAGE__CONNECTIONSTRING"]["valueFrom"]["secretKeyRef"];
        var secret = Load(Path.Combine(k8s, "secret.example.yaml")).Single();
        Assert.Equal(secret["metadata"]["name"].ToString(), secretRef["name"].ToString());
        Assert.Contains(secretRef["key"].ToString(), ((YamlMappingNode)secret["stringData"]).Children.Keys.Select(k => k.ToString()));

        var ports = ((YamlSequenceNode)container["ports"]).Children.Select(p => p["name"].ToString()).ToHashSet();
        Assert.Equal("/health/ready", container["readinessProbe"]["httpGet"]["path"].ToString());
        Assert.Contains(container["readinessProbe"]["httpGet"]["port"].ToString(), ports);
        Assert.Contains(documents["Service"]["spec"]["ports"][0]["targetPort"].ToString(), ports);
    }

    [Fact]
    public void The_dockerfile_publishes_the_silo_from_paths_that_exist_and_runs_it_unprivileged_on_port()
    {
        var lines = File.ReadAllLines(Path.Combine(Deploy, "Dockerfile"));
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
            {
                Assert.True(Path.Exists(Path.Combine(RepositoryRoot(), source)), $"the Dockerfile copies {source}, which does not exist");
            }
        }

        Assert.Contains(lines, l => l.Contains("dotnet publish src/Silo/Silo.csproj", StringComparison.Ordinal));
        Assert.Equal("USER $APP_UID", lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)));
        var entrypoint = lines.Single(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        // The gateway reads PORT itself (HttpOptions.PortVariable), so the image only has to set it.
        Assert.Contains(lines, l => l.StartsWith("ENV PORT=8080", StringComparison.Ordinal));
        Assert.Contains("WaOrleans.Silo.dll", entrypoint, StringComparison.Ordinal);
        Assert.Matches(@"^web: dotnet WaOrleans\.Silo\.dll", File.ReadAllText(Path.Combine(Deploy, "Procfile")));
        Assert.Contains("ExecStart=/usr/bin/dotnet /opt/waorleans/WaOrleans.Silo.dll", File.ReadAllText(Path.Combine(Deploy, "systemd", "waorleans.service")), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_waorleans_setting_the_deploy_files_use_is_an_option_the_silo_binds()
    {
        var options = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "Silo", "GatewayOptions.cs"));
        var properties = PropertyPattern().Matches(options).Select(m => m.Groups[1].Value.ToUpperInvariant()).ToHashSet();
        var files = Directory.GetFiles(Deploy, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".md", StringComparison.Ordinal));
        var used = files.SelectMany(f => SettingPattern().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Setting: m.Value))).ToList();
        Assert.NotEmpty(used);
        foreach (var (file, setting) in used)
        {
            foreach (var part in setting.Split("__", StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                Assert.True(properties.Contains(part), $"{file} sets {setting}, but no option is named {part}");
            }
        }
    }

    private static List<YamlNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        // The merging parser resolves "<<: *anchor" (compose.yaml's shared silo definition).
        stream.Load(new MergingParser(new Parser(reader)));
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    private static HashSet<string> Labels(YamlNode node) =>
        [.. ((YamlMappingNode)node).Children.Select(c => $"{c.Key}={c.Value}")];

    [GeneratedRegex(@"public\s+\S+\??\s+(\w+)\s*\{\s*get;")]
    private static partial Regex PropertyPattern();

    [GeneratedRegex(@"WAORLEANS__[A-Z_]+[A-Z]")]
    private static partial Regex SettingPattern();
}
