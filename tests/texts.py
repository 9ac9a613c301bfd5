"""Texts the tests share. All written by the project for its tests; none copied from any outlet."""

EMPTY = ""
BLANK = "  \n\t \n "
ONE_WORD = "Hello"

CLEAN_NEWS = (
    "Officials in Tromso said on Friday that 340 homes were evacuated after a landslide blocked the E8 road "
    "north of the city. Police chief Anne Berg told reporters that two people were taken to hospital with minor "
    'injuries. "We were lucky it happened at night," said Berg. The Norwegian Public Roads Administration said '
    "the road would stay closed until Monday while engineers checked the slope. Residents of Kvaloya were told "
    "to register at the town hall, where the Red Cross had set up 120 beds."
)

INDEPENDENT_NEWS = (
    "Engineers from the Norwegian Geotechnical Institute arrived in Tromso on Saturday morning to survey the "
    'slope that gave way above the E8 on Thursday night. "The ground was saturated after nine days of rain," '
    "said Lars Eide, a senior geologist with the institute, standing beside the 60-metre scar. Mayor Gunnar "
    "Wilhelmsen told the local newspaper Nordlys that the council would pay for temporary housing for the "
    "families of 43 flats on Storgata. According to the Meteorological Institute, Tromso recorded 212 mm of rain "
    "in October, almost double the monthly average."
)

PADDED = (
    "A landslide has hit Tromso. It remains to be seen how this will play out. Only time will tell what the "
    "future holds. This is a testament to the power of community. In today's fast-paced world, the landslide is "
    "more important than ever. The landslide, the landslide and the landslide matter. It remains to be seen how "
    "the landslide will play out. Only time will tell. This is a testament to the power of the landslide."
)

TEMPLATED = CLEAN_NEWS + (
    "\n\nKey Points\n- 340 homes evacuated\n- Two injured\n- Road closed until Monday\n\nFAQs\nWhy were homes "
    "evacuated?\nA landslide blocked the road.\n\nFollow Daily Buzz Times on Google News for the latest updates.\n"
    "© 2025 Daily Buzz Times. All rights reserved."
)

CHROME_COPY = (
    "Total Views : 80\nZoom In Zoom Out Read Later Print\n\n" + CLEAN_NEWS + "\n\nShare this article\n"
    "Related articles\nRead more\nWe use cookies to improve your experience. Accept all cookies"
)

NON_ENGLISH = (
    "Die Behörden in Tromsø teilten am Freitag mit, dass 340 Häuser evakuiert wurden, nachdem ein Erdrutsch "
    "die Straße E8 nördlich der Stadt blockiert hatte. Polizeichefin Anne Berg sagte, zwei Menschen seien mit "
    "leichten Verletzungen ins Krankenhaus gebracht worden. Die Straße bleibt bis Montag gesperrt, während "
    "Ingenieure den Hang untersuchen."
)
