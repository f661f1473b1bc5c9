using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace SocketIO.Typed.Browser.Tests;

/// <summary>
/// The official Socket.IO Admin UI (<c>@socket.io/admin-ui</c> 0.5.1, its built files from npm, served by the chat
/// sample at /admin-ui/ when AdminUI:Password is set) in headless Chromium, logged in to the chat server: it lists the
/// server, the chat page's socket, its room and its events, and disconnects the room's sockets when asked.
/// </summary>
public sealed class AdminUIBrowserTests(ITestOutputHelper output)
{
    private const string Password = "admin-ui-test-password";

    static AdminUIBrowserTests()
    {
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task The_admin_UI_logs_in_and_lists_the_chat_servers_sockets_rooms_and_events_and_disconnects_a_room()
    {
        int port = ChildProcesses.FreePort();
        string origin = $"http://localhost:{port}";
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AdminUI__Password"] = Password,
        };
        await using SampleProcess server = SampleProcess.Start("Chat", output, environment);
        await server.WaitForLineAsync("Admin UI: open");
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await Chromium.LaunchAsync(playwright);

        // A chat page in room "lobby".
        IPage chat = await browser.NewPageAsync();
        await chat.GotoAsync(origin + "/");
        await chat.Locator("#nick").FillAsync("ann");
        await chat.Locator("#room").FillAsync("lobby");
        await chat.Locator("#join button[type=submit]").ClickAsync();
        await Expect(chat.Locator("#room-name")).ToHaveTextAsync("lobby");

        // The Admin UI: a wrong password first, then the right one.
        IPage admin = await browser.NewPageAsync();
        await admin.RouteAsync(static url => !url.StartsWith("http://localhost", StringComparison.Ordinal), static route => route.AbortAsync()); // fonts and icons from CDNs: no network here
        await admin.GotoAsync(origin + "/admin-ui/");
        await LogInAsync(admin, origin, "wrong");
        await Expect(admin.GetByText("invalid credentials")).ToBeVisibleAsync();
        await LogInAsync(admin, origin, Password);
        await Expect(admin.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        // Its server, with our statistics (every two seconds).
        await admin.GotoAsync(origin + "/admin-ui/#/servers/");
        await Expect(Row(admin, Environment.MachineName)).ToHaveCountAsync(1);

        // The chat page's socket in namespace "/", over WebSocket, and its room.
        await admin.GotoAsync(origin + "/admin-ui/#/sockets/");
        await Expect(Row(admin, "WebSocket")).ToHaveCountAsync(1);
        await admin.GotoAsync(origin + "/admin-ui/#/rooms/");
        await Expect(RoomRow(admin, "lobby")).ToHaveCountAsync(1);

        // Events as they happen: a second page connects and sends a message.
        await admin.GotoAsync(origin + "/admin-ui/#/events/");
        IPage bob = await browser.NewPageAsync();
        await bob.GotoAsync(origin + "/");
        await bob.Locator("#nick").FillAsync("bob");
        await bob.Locator("#room").FillAsync("lobby");
        await bob.Locator("#join button[type=submit]").ClickAsync();
        await Expect(bob.Locator("#room-name")).ToHaveTextAsync("lobby");
        await bob.Locator("#text").FillAsync("hello admin");
        await bob.Locator("#send button[type=submit]").ClickAsync();
        await Expect(Row(admin, "Connection")).Not.ToHaveCountAsync(0);
        await Expect(Row(admin, "Room joined")).Not.ToHaveCountAsync(0);
        await Expect(Row(admin, "Event received")).Not.ToHaveCountAsync(0);
        await Expect(Row(admin, "Event sent")).Not.ToHaveCountAsync(0);

        // The UI acts: every socket of room "lobby" is disconnected, and both pages say so.
        await admin.GotoAsync(origin + "/admin-ui/#/rooms/");
        await Expect(RoomRow(admin, "lobby")).ToContainTextAsync("2");
        await RoomRow(admin, "lobby").Locator("button:has(i.mdi-logout)").ClickAsync();
        await Expect(chat.Locator("#status")).ToContainTextAsync("disconnected");
        await Expect(bob.Locator("#status")).ToContainTextAsync("disconnected");
        await Expect(RoomRow(admin, "lobby")).ToHaveCountAsync(0);
    }

    // A row of the rooms table (the events table, fading out after a navigation, mentions rooms too).
    private static ILocator RoomRow(IPage page, string room) =>
        Row(page, room).Filter(new LocatorFilterOptions { HasText = "Public" });

    private static ILocator Row(IPage page, string text) =>
        page.Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = text });

    private static async Task LogInAsync(IPage admin, string origin, string password)
    {
        await admin.GetByLabel("Server URL").FillAsync(origin);
        await admin.GetByLabel("Username").FillAsync("admin");
        await admin.GetByLabel("Password").FillAsync(password);
        await admin.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Connect" }).ClickAsync();
    }
}
