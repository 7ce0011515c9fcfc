package io.github.jchannels.typescript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.jchannels.core.Channels;
import io.github.jchannels.core.EventRegistry;
import io.github.jchannels.core.Family;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypeScriptGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TypeScriptGenerator kitchen() {
    return TypeScriptGenerator.builder().family(KitchenEvent.FAMILY).build();
  }

  @Test
  void everyMappingOfARecordComponent() {
    String types = kitchen().files().get("types.ts");
    assertThat(types).contains("""
        export interface KitchenSinkAllData {
          s: string;
          c: string;
          id: string;
          b: boolean;
          boxed: boolean;
          by: number;
          sh: number;
          i: number;
          l: number;
          maybeLong?: number;
          f: number;
          d: number;
          big: number;
          dec: number;
          color: Color;
          point: Point;
          list: string[];
          set: number[];
          points: Point[];
          array: string[];
          map: Record<string, number>;
          holes: (string | null)[];
          any: unknown;
          maybe?: string;
          renamed: string;
        }
        """);
    assertThat(types).contains("export type Color = 'RED' | 'dark-green';\n");
    assertThat(types).contains("""
        export interface Point {
          x: number;
          next?: Point;
        }
        """);
    assertThat(types).contains("export type KitchenSinkEmptyData = Record<string, never>;\n");
  }

  @Test
  void constantsUnionsPerDirectionAndTheFamilyMap() {
    String types = kitchen().files().get("types.ts");
    assertThat(types).contains("""
        export const KitchenSinkEventTypes = {
          ALL: 'all',
          BOTH: 'both',
          EMPTY_ONE: 'empty.one',
        } as const;
        """);
    assertThat(types).contains("""
        export interface KitchenSinkAllEvent {
          type: typeof KitchenSinkEventTypes.ALL;
          data: KitchenSinkAllData;
        }
        """);
    assertThat(types).contains("""
        export type KitchenSinkEvent =
          | KitchenSinkAllEvent
          | KitchenSinkBothEvent
          | KitchenSinkEmptyEvent;
        """);
    assertThat(types).contains("""
        export type KitchenSinkServerEvent =
          | KitchenSinkAllEvent
          | KitchenSinkBothEvent;
        """);
    assertThat(types).contains("""
        export type KitchenSinkClientEvent =
          | KitchenSinkBothEvent
          | KitchenSinkEmptyEvent;
        """);
    assertThat(types).contains("""
          global: { channel: 'global'; server: GlobalServerEvent; client: GlobalClientEvent };
          'kitchen-sink': { channel: `kitchen-sink:${string}`; server: KitchenSinkServerEvent; \
        client: KitchenSinkClientEvent };
        """);
  }

  @Test
  void globalIsAlwaysThereAndAFamilyWithoutClientEventsHasANeverUnion() {
    TypeScriptGenerator g = TypeScriptGenerator.builder().build();
    assertThat(g.families()).containsExactly(Channels.GLOBAL);
    TypeScriptGenerator defaults = TypeScriptGenerator.builder()
        .registry(EventRegistry.defaults()).build();
    assertThat(defaults.families()).extracting(Family::name)
        .containsExactly("global", "session", "shell");
    String types = defaults.files().get("types.ts");
    assertThat(types).contains("export const SessionEventTypes = {\n  ERROR: 'error',")
        .contains("  isTyping: boolean;\n")
        .contains("export interface SessionSendMessageData {\n  message: string;\n"
            + "  sessionId?: string;\n  timestamp?: number;\n}\n");
  }

  @Test
  void channelBuildersAreTypedWithTemplateLiteralsAndCheckTheIdRules() {
    String channels = kitchen().files().get("channels.ts");
    assertThat(channels)
        .contains("  global: (): 'global' => 'global',\n")
        .contains("  kitchenSink: (id: string): `kitchen-sink:${string}` => build('kitchen-sink',"
            + " id) as `kitchen-sink:${string}`,\n")
        .contains("  'kitchen-sink': { hasId: true, maxIdSegments: 2 },\n")
        .contains("  KITCHEN_SINK: 'kitchen-sink',\n")
        .contains("export function parseChannel(name: string): ChannelParse {")
        .contains("  | { known: true; family: 'kitchen-sink'; id: string; channel:"
            + " `kitchen-sink:${string}` }\n");
  }

  @Test
  void guardsDescribeEveryShape() {
    String guards = kitchen().files().get("guards.ts");
    assertThat(guards)
        .contains("  Color: { values: ['RED', 'dark-green'] },\n")
        .contains("  Point: { fields: { x: [{ integer: [-2147483648, 2147483647] }, false],"
            + " next: [{ ref: 'Point' }, true] } },\n")
        .contains("by: [{ integer: [-128, 127] }, false]")
        .contains("l: [{ integer: [null, null] }, false]")
        .contains("f: ['number', false]")
        .contains("holes: [{ array: { nullable: 'string' } }, false]")
        .contains("map: [{ map: { integer: [null, null] } }, false]")
        .contains("any: ['unknown', false]")
        .contains("    'empty.one': [2, { fields: {} }],\n")
        .contains("    both: [3, ")
        .contains("export function isKitchenSinkServerEvent(value: unknown): value is"
            + " KitchenSinkServerEvent {\n  return eventProblem('kitchen-sink', value, 'server')"
            + " === null;\n}\n");
  }

  @Test
  void aJsonSchemaPerEvent() throws Exception {
    TypeScriptGenerator g = kitchen();
    assertThat(g.files().keySet()).contains("schemas/kitchen-sink/all.schema.json",
        "schemas/kitchen-sink/empty.one.schema.json", "schemas/global/connected.schema.json");
    JsonNode all = JSON.readTree(g.files().get("schemas/kitchen-sink/all.schema.json"));
    assertThat(all.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(all.at("/properties/channel/pattern").asText()).isEqualTo(
        "^kitchen-sink:[A-Za-z0-9_.@-]{1,128}(:[A-Za-z0-9_.@-]{1,128}){0,1}$");
    assertThat(all.at("/properties/type/const").asText()).isEqualTo("all");
    assertThat(all.at("/x-channels-direction").toString()).isEqualTo("[\"server-to-client\"]");
    JsonNode data = all.at("/properties/data");
    assertThat(data.at("/properties/i").toString())
        .isEqualTo("{\"type\":\"integer\",\"minimum\":-2147483648,\"maximum\":2147483647}");
    assertThat(data.at("/properties/d").toString()).isEqualTo("{\"type\":\"number\"}");
    assertThat(data.at("/properties/maybe").toString())
        .isEqualTo("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}");
    assertThat(data.at("/properties/map").toString())
        .isEqualTo("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}");
    assertThat(data.at("/properties/holes/items").toString())
        .isEqualTo("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}");
    assertThat(data.at("/properties/point").toString()).isEqualTo("{\"$ref\":\"#/$defs/Point\"}");
    assertThat(data.at("/properties/any").toString()).isEqualTo("{}");
    assertThat(data.path("required").toString()).contains("\"renamed\"")
        .doesNotContain("\"maybe\"").doesNotContain("\"maybeLong\"");
    assertThat(all.at("/$defs/Color/enum").toString()).isEqualTo("[\"RED\",\"dark-green\"]");
    assertThat(all.at("/$defs/Point/properties/next/anyOf/0/$ref").asText())
        .isEqualTo("#/$defs/Point");
    JsonNode global = JSON.readTree(g.files().get("schemas/global/ping.schema.json"));
    assertThat(global.at("/properties/channel/pattern").asText()).isEqualTo("^global$");
    assertThat(global.has("$defs")).isFalse();
  }

  @Test
  void outputIsDeterministicAndSchemasCanBeLeftOut() {
    assertThat(kitchen().files()).isEqualTo(kitchen().files());
    assertThat(TypeScriptGenerator.builder().family(KitchenEvent.FAMILY).schemas(false).build()
        .files().keySet()).containsExactly("channels.ts", "guards.ts", "index.ts", "types.ts");
  }

  @Test
  void twoFamiliesUnderOneNameAreRefused() {
    Family<KitchenEvent> other = Family.builder("kitchen-sink", KitchenEvent.class).build();
    assertThatThrownBy(() -> TypeScriptGenerator.builder().family(KitchenEvent.FAMILY)
        .family(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'kitchen-sink' is given twice");
    assertThat(TypeScriptGenerator.builder().family(Channels.SESSION).family(Channels.SESSION)
        .build().families()).hasSize(2);
  }

  @Test
  void unmappableTypesNameTheirComponent() {
    expectError(BadEvents.Time.FAMILY, "BadEvents.Time.At.when", "java.time");
    expectError(BadEvents.Opt.FAMILY, "BadEvents.Opt.Maybe.value", "java.util.Optional");
    expectError(BadEvents.Obj.FAMILY, "BadEvents.Obj.Anything.value", "use JsonNode");
    expectError(BadEvents.IntKeys.FAMILY, "BadEvents.IntKeys.ByNumber.value",
        "keys are strings");
    expectError(BadEvents.Bytes.FAMILY, "BadEvents.Bytes.Blob.value", "base64");
    expectError(BadEvents.Raw.FAMILY, "BadEvents.Raw.Untyped.value", "give the element type");
    expectError(BadEvents.Wild.FAMILY, "BadEvents.Wild.Some.value[]", "wildcard");
    expectError(BadEvents.Generic.FAMILY, "BadEvents.Generic.Boxed.value",
        // style: names in text, next 1 lines
        "BadEvents$Box<java.lang.String> has no TypeScript mapping");
    expectError(BadEvents.Nested.FAMILY, "BadEvents.Holder.when", "java.time");
    expectError(BadEvents.Clash.FAMILY, "BadEvents.Clash.Under",
        "wire names 'a.b' and 'a_b' both make the constant A_B");
  }

  private static void expectError(Family<?> family, String component, String message) {
    assertThatThrownBy(() -> TypeScriptGenerator.builder().family(family).build())
        .isInstanceOfSatisfying(TypeMappingException.class, e -> {
          assertThat(e.component()).isEqualTo(component);
          assertThat(e.getMessage()).startsWith(component + ": ").contains(message);
        });
  }

  @Test
  void twoRecordsWithOneSimpleNameGetTheSecondQualified() {
    String types = TypeScriptGenerator.builder().families(List.of(
        BadEvents.Twin.FAMILY, BadEvents.TwinToo.FAMILY)).build().files().get("types.ts");
    assertThat(types).contains("export interface Thing {\n  a: string;\n}\n")
        .contains("export interface BadEventsTwinTooThing {\n  b: number;\n}\n");
  }

  @Test
  void aGeneratedNameTakenTwiceIsAnError() {
    assertThatThrownBy(() -> TypeScriptGenerator.builder().family(BadEvents.Taken.FAMILY)
        .build())
        .isInstanceOfSatisfying(TypeMappingException.class, e -> assertThat(e.getMessage())
            .isEqualTo("BadEvents.Taken.Server: the TypeScript name TakenServerEvent is already"
                + " taken by family 'taken'"));
  }
}
