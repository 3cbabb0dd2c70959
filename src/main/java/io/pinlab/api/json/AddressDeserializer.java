package io.pinlab.api.json;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.exc.InvalidFormatException;

/** Reads {@link Address} from a JSON string only; anything else is a 400 naming the field. */
public class AddressDeserializer extends ValueDeserializer<Address> {
    @Override
    public Address deserialize(JsonParser p, DeserializationContext ctxt) {
        if (!p.hasToken(JsonToken.VALUE_STRING)) {
            throw InvalidFormatException.from(p, "an address must be a JSON string, e.g. \"" + Address.EXAMPLE + "\"",
                    p.currentToken() == null ? null : p.currentToken().asString(), Address.class);
        }
        String text = p.getString();
        try {
            return Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw InvalidFormatException.from(p, e.getMessage(), text, Address.class);
        }
    }
}
