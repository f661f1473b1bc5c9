using SocketIO.Typed.Adapters;

namespace SocketIO.Typed.Server.Tests;

/// <summary>The room index behind the in-memory adapter (and the local delivery of cluster adapters).</summary>
public sealed class RoomIndexTests
{
    private static SocketIORoomIndex Index()
    {
        var index = new SocketIORoomIndex();
        index.AddAll("a", ["a", "red", "blue"]);
        index.AddAll("b", ["b", "red"]);
        index.AddAll("c", ["c", "blue", "green"]);
        index.AddAll("d", ["d"]);
        return index;
    }

    private static string[] Targets(SocketIORoomIndex index, string[] rooms, string[] except) =>
        [.. index.GetTargets(new BroadcastOptions(rooms, except, BroadcastFlags.None)).Order(StringComparer.Ordinal)];

    [Fact]
    public void No_room_means_every_socket()
    {
        Assert.Equal(["a", "b", "c", "d"], Targets(Index(), [], []));
    }

    [Fact]
    public void Several_rooms_reach_each_member_once()
    {
        SocketIORoomIndex index = Index();
        var calls = new List<string>();
        index.ForEachTarget(new BroadcastOptions(["red", "blue", "red"], [], BroadcastFlags.None), calls, static (list, sid) => list.Add(sid));
        Assert.Equal(["a", "b", "c"], calls.Order(StringComparer.Ordinal));
        Assert.Equal(3, calls.Count);
    }

    [Fact]
    public void Except_leaves_out_the_members_of_any_excepted_room_or_socket()
    {
        SocketIORoomIndex index = Index();
        Assert.Equal(["b", "c"], Targets(index, ["red", "blue"], ["a"]));
        Assert.Equal(["b", "d"], Targets(index, [], ["blue", "green"]));
        Assert.Equal(["b"], Targets(index, ["red"], ["blue"]));
        Assert.Empty(Targets(index, ["nobody-here"], []));
        Assert.Equal(["a", "b", "c", "d"], Targets(index, [], ["nobody-here"]));
    }

    [Fact]
    public void A_target_may_target_again_without_disturbing_the_outer_broadcast()
    {
        SocketIORoomIndex index = Index();
        var outer = new List<string>();
        var inner = new List<string>();
        index.ForEachTarget(new BroadcastOptions(["red", "blue"], ["d"], BroadcastFlags.None), (index, outer, inner), static (state, sid) =>
        {
            state.outer.Add(sid);
            if (sid == "a")
            {
                // Re-entered: its own scratch sets, so the outer "seen" and "except" sets are not cleared under it.
                state.index.ForEachTarget(new BroadcastOptions(["blue", "green"], ["c"], BroadcastFlags.None), state.inner, static (list, s) => list.Add(s));
            }
        });

        Assert.Equal(["a", "b", "c"], outer.Order(StringComparer.Ordinal));
        Assert.Equal(3, outer.Count);
        Assert.Equal(["a"], inner);

        // And the scratch state is clean afterwards.
        Assert.Equal(["a", "b", "c", "d"], Targets(index, [], []));
    }

    [Fact]
    public void Leaving_rooms_updates_both_directions_and_drops_empty_rooms()
    {
        SocketIORoomIndex index = Index();
        index.Delete("c", "green");
        Assert.DoesNotContain("green", index.Rooms);
        Assert.Equal(["blue", "c"], index.GetRooms("c").Order(StringComparer.Ordinal));

        index.DeleteAll("a");
        Assert.Empty(index.GetRooms("a"));
        Assert.Equal(["b"], index.GetMembers("red"));
        Assert.Equal(3, index.SocketCount);
        Assert.Equal(["b", "c", "d"], Targets(index, [], []));
    }
}
