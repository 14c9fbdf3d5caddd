package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KERNELS.md §11.1: list_rooms and rooms_list, byte for byte as the reference writes them. */
class ListRoomsJsonTest {
    static String compact(Object o) {
        return new String(Json.compact(o), StandardCharsets.UTF_8);
    }

    static <T> T parse(String json, Class<T> type) throws MalformedMessageException {
        return Json.parse(json.getBytes(StandardCharsets.UTF_8), type);
    }

    @Test
    void theRequestIsExactlyTypeListRooms() throws Exception {
        assertThat(compact(new PoolRequest.ListRooms())).isEqualTo("{\"type\":\"list_rooms\"}");
        assertThat(parse("{\"type\":\"list_rooms\"}", PoolRequest.class)).isEqualTo(new PoolRequest.ListRooms());
    }

    @Test
    void aRoomWithARunningKernelIsTheSpecsExample() throws Exception {
        PoolResponse rooms = new PoolResponse.RoomsList(List.of(
                RoomInfo.withKernel("…", 1, "python", "uv:prewarmed", "idle")));
        String json = "{\"type\":\"rooms_list\",\"rooms\":[{\"notebook_id\":\"…\",\"active_peers\":1,"
                + "\"has_kernel\":true,\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\","
                + "\"kernel_status\":\"idle\"}]}";
        assertThat(compact(rooms)).isEqualTo(json);
        assertThat(parse(json, PoolResponse.class)).isEqualTo(rooms);
    }

    @Test
    void withoutARunningKernelHasKernelIsFalseAndTheLastThreeAreOmitted() throws Exception {
        PoolResponse rooms = new PoolResponse.RoomsList(List.of(
                RoomInfo.withoutKernel("/a/b c.ipynb", 2), RoomInfo.withoutKernel("笔记", 1)));
        String json = "{\"type\":\"rooms_list\",\"rooms\":[{\"notebook_id\":\"/a/b c.ipynb\",\"active_peers\":2,"
                + "\"has_kernel\":false},{\"notebook_id\":\"笔记\",\"active_peers\":1,\"has_kernel\":false}]}";
        assertThat(compact(rooms)).isEqualTo(json);
        assertThat(parse(json, PoolResponse.class)).isEqualTo(rooms);
    }

    @Test
    void noRoomsIsAnEmptyList() throws Exception {
        assertThat(compact(new PoolResponse.RoomsList(List.of()))).isEqualTo("{\"type\":\"rooms_list\",\"rooms\":[]}");
        assertThat(parse("{\"type\":\"rooms_list\",\"rooms\":[]}", PoolResponse.class))
                .isEqualTo(new PoolResponse.RoomsList(List.of()));
    }

    @Test
    void theOldExtensionsRoomsTagIsNoLongerAnAnswer() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("{\"type\":\"rooms\",\"rooms\":[]}", PoolResponse.class))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("unknown type 'rooms'");
    }
}
