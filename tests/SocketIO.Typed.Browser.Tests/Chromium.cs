using Microsoft.Playwright;

namespace SocketIO.Typed.Browser.Tests;

/// <summary>Debian's Chromium, headless, as every browser test starts it.</summary>
internal static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Path(),
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    private static string Path()
    {
        string path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"Chromium is not at {path}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH.");
    }
}
